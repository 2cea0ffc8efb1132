"""The back-office's admin site: the admin index is the shift lead's dashboard, and support's
player page and player search live beside it.

What the pages show comes from the apps through casino/backoffice.py (each app registers its
panels and sections in its AppConfig.ready()); this module only lays them out.
"""

from __future__ import annotations

import logging
import time

from django.contrib import admin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from casino import backoffice
from casino.models import Player

logger = logging.getLogger(__name__)


class BackOfficeSite(admin.AdminSite):
    site_header = "Casino back-office"
    site_title = "Casino back-office"
    site_url = "/"
    index_template = "admin/backoffice/index.html"
    # The list tables need the width (1440 px screens): the dashboard lists the apps anyway.
    enable_nav_sidebar = False

    def get_urls(self):
        urls = [
            path("players/find/", self.admin_view(self.player_find_view), name="player_find"),
            path("players/<int:player_id>/page/", self.admin_view(self.player_page_view), name="player_page"),
        ]
        return urls + super().get_urls()

    def index(self, request, extra_context=None):
        started = time.perf_counter()
        panels = [_render_panel(panel, request) for panel in backoffice.panels()]
        context = {"panels": panels, "rendered_ms": round((time.perf_counter() - started) * 1000, 1)}
        return super().index(request, extra_context={**context, **(extra_context or {})})

    def player_find_view(self, request):
        """Support's search: a player id, an email, an aggregator transaction id or a round id.
        One match opens the player page (on the round, when a round or call matched)."""
        if not request.user.has_perm("casino.view_player"):
            raise Http404  # least privilege (docs/staff-roles.md): as the player page
        query = request.GET.get("q", "").strip()
        matches = backoffice.find_players(query) if query else []
        if len(matches) == 1:
            return HttpResponseRedirect(_player_url(matches[0]))
        players = Player.objects.in_bulk([m.player_id for m in matches])
        context = {
            **self.each_context(request),
            "title": "Find a player",
            "query": query,
            "matches": [{"match": m, "player": players[m.player_id], "url": _player_url(m)} for m in matches],
        }
        return TemplateResponse(request, "admin/backoffice/player_find.html", context)

    def player_page_view(self, request, player_id: int):
        if not request.user.has_perm("casino.view_player"):
            raise Http404
        player = get_object_or_404(Player, pk=player_id)
        sections = [
            {
                "title": section.title,
                "key": section.key,
                "html": render_to_string(section.template, section.read(player, request.GET), request=request),
            }
            for section in backoffice.sections()
        ]
        context = {
            **self.each_context(request),
            "title": f"Player {player.external_id}",
            "player": player,
            "sections": sections,
            "find_url": reverse("admin:player_find"),
        }
        return TemplateResponse(request, "admin/backoffice/player_page.html", context)


def _render_panel(panel: backoffice.DashboardPanel, request) -> dict:
    try:
        html = render_to_string(panel.template, panel.read(), request=request)
    except Exception:  # one broken panel must not take the dashboard down with it
        logger.exception("dashboard: panel %s failed", panel.key)
        return {"key": panel.key, "title": panel.title, "html": "", "failed": True}
    return {"key": panel.key, "title": panel.title, "html": html, "failed": False}


def _player_url(match: backoffice.PlayerMatch) -> str:
    url = reverse("admin:player_page", args=[match.player_id])
    if match.round_id is not None:
        url += "?" + urlencode({"round": match.round_id})
    return url

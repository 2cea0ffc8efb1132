"""The ground floor's own figures on the back-office pages (casino/backoffice.py): aggregators'
clock skew, the task queue's depth, the player search by id and email, and the staff changes
to a player."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from casino import backoffice
from casino.models import Aggregator, Player
from casino.services import SKEW_ALERT_SECONDS


def skew_panel() -> dict:
    rows = [
        {
            "aggregator": a.code,
            "skew": a.last_skew_seconds,
            "observed_at": a.skew_observed_at,
            "alert": a.last_skew_seconds is not None and abs(a.last_skew_seconds) > SKEW_ALERT_SECONDS,
        }
        for a in Aggregator.objects.filter(is_active=True).order_by("code")
    ]
    return {"rows": rows, "limit": SKEW_ALERT_SECONDS}


def skew_samples():
    for code, skew in Aggregator.objects.exclude(last_skew_seconds=None).values_list("code", "last_skew_seconds"):
        yield {"aggregator": code}, skew


def queue_depth_samples():
    """Messages waiting in the default Celery queue: Redis's list, or the broker folder's files."""
    from casino.celery import app

    url = app.conf.broker_url or ""
    queue = app.conf.task_default_queue or "celery"
    if url.startswith("filesystem://"):
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
        yield {"queue": queue}, sum(1 for _ in folder.glob("*.msg"))
        return
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        yield {"queue": queue}, client.llen(queue)


def find_by_id_or_email(query: str) -> list[backoffice.PlayerMatch]:
    text = query.strip()
    players = list(Player.objects.filter(external_id=text)[:1])
    if "@" in text:
        players += list(Player.objects.filter(email=text.lower())[:20])
    return [backoffice.PlayerMatch(p.pk, "email" if p.external_id != text else "player id") for p in players]


def staff_changes_section(player, query) -> dict:
    history = player.history.select_related("history_user").order_by("-history_date")[:50]
    return {"history": history}


def register() -> None:
    backoffice.dashboard_panel(
        backoffice.DashboardPanel("skew", "Clock skew per aggregator", "casino/dashboard/skew.html", skew_panel, 30)
    )
    backoffice.player_finder(backoffice.PlayerFinder("player", find_by_id_or_email, order=10))
    backoffice.player_section(
        backoffice.PlayerSection(
            "staff", "Staff changes to the player", "casino/player/staff_changes.html", staff_changes_section, 90
        )
    )
    backoffice.gauge_source("casino_aggregator_clock_skew_seconds", skew_samples)
    backoffice.gauge_source("casino_celery_queue_depth", queue_depth_samples)

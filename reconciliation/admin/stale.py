"""Stale rounds: look each one up in the aggregator's report, then close it (refunding its open
bets when the aggregator confirms it void). Money moves through wallet/services only."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from casino.admin import ReadOnlyAdmin
from reconciliation.admin.common import money
from reconciliation.models import StaleRound
from reconciliation.services.stale import StaleRoundError, stale_round_lookup, stale_round_resolve
from wallet.selectors import stale_rounds
from wallet.services import round_open_bets


class CloseForm(forms.Form):
    refund = forms.BooleanField(
        required=False,
        label="The aggregator confirms the round void: refund its open bets",
        help_text="Checked against the aggregator's report again when you submit.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="On the ledger and the round.")


@admin.register(StaleRound)
class StaleRoundAdmin(ReadOnlyAdmin):
    list_display = [
        "external_id",
        "aggregator",
        "player",
        "game_code",
        "live_bets",
        "bets",
        "opened_at",
        "last_activity_at",
        "resolve",
    ]
    list_filter = ["aggregator"]
    search_fields = ["external_id", "wallet__player__external_id"]
    list_select_related = ["aggregator", "wallet__player", "wallet"]

    def get_queryset(self, request):
        return stale_rounds(older_than=timedelta(seconds=settings.STALE_ROUND_AFTER_SECONDS)).select_related(
            "aggregator", "wallet__player"
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.close_view)
        return [path("<int:pk>/close/", view, name="reconciliation_staleround_close")] + super().get_urls()

    @admin.display(description="player")
    def player(self, round_):
        return round_.wallet.player

    @admin.display(description="bets")
    def bets(self, round_):
        return money(round_.bet_total, round_.wallet.currency_id)

    @admin.display(description="")
    def resolve(self, round_):
        return format_html(
            '<a class="button" href="{}">Look up and close</a>',
            reverse("admin:reconciliation_staleround_close", args=[round_.pk]),
        )

    def close_view(self, request, pk: int):
        if not request.user.has_perm("reconciliation.change_staleround"):
            raise PermissionDenied
        round_ = get_object_or_404(StaleRound.objects.select_related("aggregator", "wallet__player"), pk=pk)
        lookup, problem = None, ""
        try:
            lookup = stale_round_lookup(round_id=pk)  # network: before any transaction
        except StaleRoundError as exc:
            problem = str(exc)
        form = CloseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refunds = stale_round_resolve(
                    round_id=pk,
                    staff_user=request.user,
                    reason=form.cleaned_data["reason"],
                    refund=form.cleaned_data["refund"],
                    lookup=lookup,
                )
            except StaleRoundError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Round {round_.external_id} closed; {len(refunds)} bet(s) refunded.")
                return redirect("admin:reconciliation_staleround_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Stale round {round_.external_id} ({round_.aggregator})",
            "form": form,
            "opts": self.model._meta,
            "round": round_,
            "open_bets": list(round_open_bets(round_)),
            "lookup": lookup,
            "problem": problem,
        }
        return TemplateResponse(request, "admin/reconciliation/stale_round.html", context)

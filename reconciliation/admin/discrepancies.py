"""Discrepancies: filterable list, both sides with the round's calls and ledger rows and the raw
evidence, the workflow (investigate, resolve; an adjustment through the wallet's service) and a
CSV export."""

import csv
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from casino.models import Currency
from casino.money import InexactAmount, to_minor_units
from reconciliation.admin.common import money
from reconciliation.models import Discrepancy
from reconciliation.services.discrepancies import (
    WorkflowError,
    discrepancy_investigate,
    discrepancy_resolve,
)
from wallet.models import AggregatorTransaction, GameRound, LedgerEntry
from wallet.services.money_requests import money_request_new_key

CSV_COLUMNS = [
    "id",
    "class",
    "status",
    "resolution",
    "aggregator",
    "source",
    "transaction_id",
    "round_id",
    "player_id",
    "occurred_at",
    "their_amount",
    "their_currency",
    "their_status",
    "their_copies",
    "our_amount",
    "our_currency",
    "our_status",
    "detected_at",
    "resolved_by",
    "resolved_at",
    "note",
]


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    AGES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}

    def lookups(self, request, model_admin):
        return [("1h", "under an hour"), ("1d", "under a day"), ("7d", "under a week"), ("old", "a week or older")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() in self.AGES:
            return queryset.filter(detected_at__gte=now - self.AGES[self.value()])
        if self.value() == "old":
            return queryset.filter(detected_at__lt=now - timedelta(days=7))
        return queryset


class WorkflowForm(forms.Form):
    action = forms.ChoiceField(choices=[("investigate", "take into investigation"), ("resolve", "resolve")])
    resolution = forms.ChoiceField(
        required=False,
        choices=[("", "—")]
        + [(c.value, c.label) for c in Discrepancy.Resolution if c != Discrepancy.Resolution.SELF_HEALED],
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Kept in the history.")
    request_key = forms.UUIDField(widget=forms.HiddenInput)
    adjust = forms.DecimalField(
        required=False,
        label="adjustment (major units)",
        help_text="Adjusted only: signed amount on the player's wallet, e.g. 2.50 or -2.50. It is a money "
        "request: above the four-eyes threshold it waits for a second person's approval.",
    )

    def __init__(self, *args, exponent: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.exponent = exponent

    def clean(self):
        data = super().clean()
        if data.get("action") == "resolve":
            if not data.get("resolution"):
                self.add_error("resolution", "choose a resolution")
            if not (data.get("note") or "").strip():
                self.add_error("note", "a resolution needs a note")
        adjust = data.get("adjust")
        if adjust is not None:
            try:
                data["adjust_minor"] = to_minor_units(Decimal(adjust), exponent=self.exponent)
            except InexactAmount as exc:
                self.add_error("adjust", str(exc))
        return data


@admin.register(Discrepancy)
class DiscrepancyAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "kind",
        "aggregator",
        "transaction_id",
        "player_id",
        "round_id",
        "theirs",
        "ours",
        "status",
        "resolution",
        "age",
        "source",
    ]
    list_filter = ["kind", "aggregator", "status", "resolution", "source", AgeFilter]
    search_fields = ["player_id", "transaction_id", "round_id"]
    search_help_text = "Player id, aggregator transaction id or round id."
    list_select_related = ["aggregator"]
    date_hierarchy = "detected_at"
    actions = ["export_csv"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "aggregator",
                    "source",
                    "transaction_id",
                    "round_id",
                    "player_id",
                    "occurred_at",
                    "workflow_link",
                ]
            },
        ),
        ("Their side", {"fields": ["theirs", "their_status", "their_kind", "their_copies", "evidence_link"]}),
        ("Our side", {"fields": ["ours", "our_status", "our_record_link"]}),
        ("The round: every call and ledger row", {"fields": ["round_calls"]}),
        (
            "Workflow",
            {
                "fields": [
                    "status",
                    "resolution",
                    "note",
                    "resolved_by",
                    "resolved_at",
                    "adjustment",
                    "money_request",
                    "first_run",
                    "last_run",
                    "detected_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [name for _, options in self.fieldsets for name in options["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.workflow_view)
        return [path("<int:pk>/workflow/", view, name="reconciliation_discrepancy_workflow")] + super().get_urls()

    # --- columns ---------------------------------------------------------------------------

    @admin.display(description="theirs")
    def theirs(self, d):
        return money(d.their_amount, d.their_currency) if d.their_copies or d.their_currency else "—"

    @admin.display(description="ours")
    def ours(self, d):
        return money(d.our_amount, d.our_currency) if d.our_currency else "—"

    @admin.display(description="age", ordering="detected_at")
    def age(self, d):
        hours = (timezone.now() - d.detected_at).total_seconds() / 3600
        return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} d"

    @admin.display(description="work on it")
    def workflow_link(self, d):
        if d.status == Discrepancy.Status.RESOLVED:
            return "resolved"
        return format_html(
            '<a class="button" href="{}">Investigate / resolve</a>',
            reverse("admin:reconciliation_discrepancy_workflow", args=[d.pk]),
        )

    @admin.display(description="raw evidence")
    def evidence_link(self, d):
        if d.evidence_id:
            url = reverse("admin:reconciliation_settlementrequest_change", args=[d.evidence.request_id])
            return format_html('<a href="{}">settlement event {} (signed request)</a>', url, d.evidence.event_id)
        if d.last_run_id:
            url = reverse("admin:reconciliation_reconciliationrun_change", args=[d.last_run_id])
            return format_html('<a href="{}">run {} ({})</a>', url, d.last_run_id, d.last_run.get_source_display())
        return "—"

    @admin.display(description="our call record")
    def our_record_link(self, d):
        if not d.our_record_id:
            return "none: no call with this id reached us"
        url = reverse("admin:wallet_aggregatortransaction_change", args=[d.our_record_id])
        record = d.our_record
        return format_html(
            '<a href="{}">{} {} — {} ({})</a>', url, record.kind, record.external_id, record.outcome, record.result_code
        )

    @admin.display(description="calls and ledger rows of the round")
    def round_calls(self, d):
        if not d.round_id:
            return "—"
        round_ = GameRound.objects.filter(aggregator_id=d.aggregator_id, external_id=d.round_id).first()
        if round_ is None:
            return "no call of this round reached us"
        currency = round_.wallet.currency_id
        entries = {
            e.transaction_id: e for e in LedgerEntry.objects.filter(transaction__round=round_, wallet__isnull=False)
        }
        rows = []
        for call in AggregatorTransaction.objects.filter(round=round_).order_by("pk"):
            entry = entries.pop(call.ledger_transaction_id, None)
            rows.append(
                _row(
                    call.created_at,
                    call.kind,
                    call.external_id,
                    money(call.amount, currency),
                    f"{call.outcome} ({call.result_code})",
                    entry,
                    currency,
                )
            )
        # Ledger rows of the round without a call: staff refunds of a voided stale round.
        for _, entry in sorted(entries.items()):
            ledger = entry.transaction
            rows.append(
                _row(ledger.created_at, f"staff {ledger.kind}", ledger.reference, "—", ledger.memo, entry, currency)
            )
        return format_html(
            "<p>Round {} ({}), bets {} wins {}</p><table><tr><th>at</th><th>kind</th><th>id</th><th>amount</th>"
            "<th>outcome</th><th>ledger</th></tr>{}</table>",
            round_.external_id,
            round_.status,
            money(round_.bet_total, currency),
            money(round_.win_total, currency),
            format_html_join("", "<tr>" + "<td>{}</td>" * 6 + "</tr>", rows),
        )

    # --- workflow --------------------------------------------------------------------------

    def workflow_view(self, request, pk: int):
        if not request.user.has_perm("reconciliation.change_discrepancy"):
            raise PermissionDenied
        discrepancy = get_object_or_404(Discrepancy, pk=pk)
        currency = discrepancy.our_currency or discrepancy.their_currency
        exponent = Currency.objects.filter(pk=currency).values_list("exponent", flat=True).first() or 0
        form = WorkflowForm(request.POST or None, exponent=exponent, initial={"request_key": money_request_new_key()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "investigate":
                    discrepancy_investigate(discrepancy_id=pk, staff_user=request.user, note=data["note"])
                else:
                    discrepancy_resolve(
                        discrepancy_id=pk,
                        resolution=data["resolution"],
                        note=data["note"],
                        staff_user=request.user,
                        adjust_amount=data.get("adjust_minor")
                        if data["resolution"] == Discrepancy.Resolution.ADJUSTED
                        else None,
                        request_key=data["request_key"],
                    )
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Discrepancy {pk}: {data['action']} recorded.")
                return redirect("admin:reconciliation_discrepancy_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{discrepancy.get_kind_display()} {discrepancy.transaction_id}",
            "form": form,
            "opts": self.model._meta,
            "discrepancy": discrepancy,
        }
        return TemplateResponse(request, "admin/reconciliation/form.html", context)

    # --- export ----------------------------------------------------------------------------

    @admin.action(description="Export the selected discrepancies as CSV")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="discrepancies-{timezone.now():%Y%m%d-%H%M}.csv"'
        # A byte order mark: spreadsheets then read the file as UTF-8.
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for d in queryset.select_related("aggregator", "resolved_by").order_by("pk").iterator():
            writer.writerow(
                [
                    d.pk,
                    d.kind,
                    d.status,
                    d.resolution,
                    d.aggregator.code,
                    d.source,
                    d.transaction_id,
                    d.round_id,
                    d.player_id,
                    d.occurred_at.isoformat(),
                    _major(d.their_amount, d.their_currency),
                    d.their_currency,
                    d.their_status,
                    d.their_copies,
                    _major(d.our_amount, d.our_currency),
                    d.our_currency,
                    d.our_status,
                    d.detected_at.isoformat(),
                    d.resolved_by.username if d.resolved_by else "",
                    d.resolved_at.isoformat() if d.resolved_at else "",
                    _cell(d.note),
                ]
            )
        return response


def _row(at, kind, external_id, amount, outcome, entry, currency) -> tuple:
    ledger = "—"
    if entry is not None:
        after = money(entry.balance_after, currency)
        ledger = f"#{entry.transaction_id}: {money(entry.amount, currency)}, balance after {after}"
    return (at.strftime("%Y-%m-%d %H:%M:%S"), kind, external_id, amount, outcome, ledger)


def _major(amount, currency: str) -> str:
    """Major units as a plain number a spreadsheet reads (12.34), the currency in its own column."""
    text = money(amount, currency)
    return "" if amount is None else text.split(" ")[0]


def _cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text

"""Runs (and starting one), statements (upload), settlement evidence, shadow settings and summaries."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from kombu.exceptions import OperationalError as KombuOperationalError
from simple_history.admin import SimpleHistoryAdmin

from casino.admin import ReadOnlyAdmin
from casino.models import Aggregator
from reconciliation.admin.common import money
from reconciliation.models import (
    DiscrepancyClass,
    ReconciliationRun,
    ReconciliationSettings,
    SettlementEvent,
    SettlementRequest,
    ShadowSummary,
    Source,
    StatementImport,
)
from reconciliation.services.runs import last_closed_hour, statement_window
from reconciliation.services.statements import StatementError, statement_import
from reconciliation.tasks import reconcile


def queue_run(request, *, aggregator_id: int, start, end, source: str, statement_id=None) -> bool:
    """Queue a run after the request's commit; False (with a message) when the broker is down."""
    try:
        reconcile.delay(aggregator_id, start.isoformat(), end.isoformat(), source, statement_id)
    except KombuOperationalError as exc:
        messages.error(request, f"The task queue is unreachable ({exc}); nothing was queued. Try again.")
        return False
    messages.success(request, f"Reconciliation of {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} ({source}) queued.")
    return True


class RunForm(forms.Form):
    aggregator = forms.ModelChoiceField(Aggregator.objects.all())
    source = forms.ChoiceField(choices=[(Source.REPORT, "pulled report"), (Source.WEBHOOK, "settlement webhooks")])
    start = forms.DateTimeField(label="from (UTC)", help_text="YYYY-MM-DD HH:MM")
    end = forms.DateTimeField(label="to (UTC)")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise forms.ValidationError("the window must end after it starts")
        if data.get("start") and data.get("end") and data["end"] - data["start"] > timedelta(days=31):
            raise forms.ValidationError("at most 31 days per run")
        return data


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "aggregator",
        "source",
        "window_start",
        "window_end",
        "status",
        "found",
        *[f"count_{c.value}" for c in DiscrepancyClass],
        "healed",
        "their_rows",
        "our_rows",
        "started_at",
    ]
    list_filter = ["status", "source", "aggregator"]
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in ReconciliationRun._meta.fields]
    change_list_template = "admin/reconciliation/run_changelist.html"

    def get_urls(self):
        return [
            path("start/", self.admin_site.admin_view(self.start_view), name="reconciliation_run_start")
        ] + super().get_urls()

    def start_view(self, request):
        if not request.user.has_perm("reconciliation.add_reconciliationrun"):
            raise PermissionDenied
        start, end = last_closed_hour()
        form = RunForm(request.POST or None, initial={"start": start, "end": end})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if queue_run(
                request,
                aggregator_id=data["aggregator"].pk,
                start=data["start"],
                end=data["end"],
                source=data["source"],
            ):
                return redirect("admin:reconciliation_reconciliationrun_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Reconcile a window",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/reconciliation/form.html", context)


def _count_column(kind: DiscrepancyClass):
    def column(self, run):
        return run.counts.get(kind.value, 0) or ""

    column.short_description = kind.label  # type: ignore[attr-defined]
    return column


for _kind in DiscrepancyClass:
    setattr(ReconciliationRunAdmin, f"count_{_kind.value}", _count_column(_kind))


class StatementUploadForm(forms.Form):
    aggregator = forms.ModelChoiceField(Aggregator.objects.all())
    file = forms.FileField(
        help_text="CSV: id,kind,player_id,round_id,amount,currency,status,time (docs/reconciliation.md)"
    )
    reconcile = forms.BooleanField(required=False, initial=True, label="Reconcile its window once imported")


@admin.register(StatementImport)
class StatementImportAdmin(admin.ModelAdmin):
    list_display = ["id", "aggregator", "file_name", "rows", "first_at", "last_at", "imported_by", "imported_at"]
    list_filter = ["aggregator"]
    readonly_fields = [f.name for f in StatementImport._meta.fields]
    actions = ["reconcile_statements"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                statement = statement_import(
                    aggregator=form.cleaned_data["aggregator"],
                    file_name=upload.name,
                    raw=upload.read(),
                    staff_user=request.user,
                )
            except StatementError as exc:
                for problem in exc.problems[:50]:
                    form.add_error("file", problem)
                if len(exc.problems) > 50:
                    form.add_error("file", f"… and {len(exc.problems) - 50} more. Nothing was imported.")
            else:
                messages.success(request, f"Imported {statement.rows} transactions from {statement.file_name}.")
                if form.cleaned_data["reconcile"]:
                    start, end = statement_window(statement)
                    queue_run(
                        request,
                        aggregator_id=statement.aggregator_id,
                        start=start,
                        end=end,
                        source=Source.STATEMENT,
                        statement_id=statement.pk,
                    )
                return redirect("admin:reconciliation_statementimport_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload a statement file",
            "form": form,
            "opts": self.model._meta,
            "multipart": True,
        }
        return TemplateResponse(request, "admin/reconciliation/form.html", context)

    @admin.action(description="Reconcile the selected statements", permissions=["add"])
    def reconcile_statements(self, request, queryset):
        for statement in queryset:
            start, end = statement_window(statement)
            queue_run(
                request,
                aggregator_id=statement.aggregator_id,
                start=start,
                end=end,
                source=Source.STATEMENT,
                statement_id=statement.pk,
            )


class EventInline(admin.TabularInline):
    model = SettlementEvent
    fields = readonly_fields = [
        "event_id",
        "kind",
        "round_id",
        "player_id",
        "currency",
        "bet_total",
        "win_total",
        "occurred_at",
        "matched_at",
    ]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SettlementRequest)
class SettlementRequestAdmin(ReadOnlyAdmin):
    """The signed requests exactly as received: the evidence in a dispute."""

    list_display = ["batch_id", "aggregator", "received_at", "events_count"]
    list_filter = ["aggregator"]
    search_fields = ["batch_id"]
    date_hierarchy = "received_at"
    fields = ["aggregator", "batch_id", "received_at", "headers", "raw_body", "answer"]
    readonly_fields = fields
    inlines = [EventInline]

    @admin.display(description="events")
    def events_count(self, request_row):
        return request_row.events.count()

    @admin.display(description="raw body (as signed)")
    def raw_body(self, request_row):
        return format_html(
            "<pre style='white-space: pre-wrap'>{}</pre>", bytes(request_row.body).decode("utf-8", "replace")
        )


@admin.register(SettlementEvent)
class SettlementEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "aggregator", "kind", "round_id", "player_id", "totals", "occurred_at", "matched_at"]
    list_filter = ["kind", "aggregator"]
    search_fields = ["event_id", "round_id", "player_id", "session_token"]
    readonly_fields = [f.name for f in SettlementEvent._meta.fields] + ["counted"]

    @admin.display(description="bets / wins")
    def totals(self, event):
        return f"{money(event.bet_total, event.currency)} / {money(event.win_total, event.currency)}"

    @admin.display(description="transactions counted")
    def counted(self, event):
        return format_html(
            "<table><tr><th>id</th><th>kind</th><th>amount</th><th>status</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((t.external_id, t.kind, money(t.amount, t.currency), t.status) for t in event.transactions.all()),
            ),
        )


@admin.register(ReconciliationSettings)
class ReconciliationSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["aggregator", "shadow_mode", "shadow_now", "hourly_runs", "overlap_seconds"]
    list_editable = ["shadow_mode", "hourly_runs"]

    @admin.display(description="shadow mode now", boolean=True)
    def shadow_now(self, row):
        return row.shadow_on()


@admin.register(ShadowSummary)
class ShadowSummaryAdmin(ReadOnlyAdmin):
    list_display = ["day", "aggregator", "events", "summary", "computed_at"]
    list_filter = ["aggregator"]
    date_hierarchy = "day"

    @admin.display(description="discrepancies per class (count: their / our amounts)")
    def summary(self, row):
        if not row.counts:
            return "none"
        return format_html_join(
            format_html("<br>"),
            "{} {}: {} ({} / {})",
            (
                (
                    DiscrepancyClass(kind).label,
                    currency,
                    v["count"],
                    money(v["their_amount"], currency),
                    money(v["our_amount"], currency),
                )
                for kind, per_currency in sorted(row.counts.items())
                for currency, v in sorted(per_currency.items())
            ),
        )

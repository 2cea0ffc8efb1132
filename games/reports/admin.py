"""The finance reports in the admin: the daily figures (filters), a report page (grouping,
totals, a chart, CSV) and the providers' contracts. Read-only: figures come from the rollup."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from games.models import DailyFigures, ProviderContract
from games.reports.csv import report_csv, royalty_csv
from games.reports.figures import (
    AMOUNTS,
    COLUMNS,
    DIMENSIONS,
    ReportError,
    ReportQuery,
    currency_exponents,
    format_amount,
    report_rows,
    royalties,
)


class ReportForm(forms.Form):
    start = forms.DateField(label="from", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="to (included)", widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.MultipleChoiceField(
        choices=[(d, d) for d in DIMENSIONS if d != "currency"],
        initial=["day"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Always by currency too.",
    )
    aggregator = forms.CharField(required=False, help_text="Its code; empty: all.")
    currency = forms.CharField(required=False, max_length=10)


def _money(row_values: dict[str, int], currency: str, exponents: dict[str, int]) -> list[str]:
    return [
        f"{format_amount(row_values[c], currency, exponents)} {currency}" if c in AMOUNTS else str(row_values[c])
        for c in COLUMNS
    ]


@admin.register(DailyFigures)
class DailyFiguresAdmin(admin.ModelAdmin):
    list_display = [
        "day",
        "aggregator",
        "provider",
        "game_code",
        "currency",
        "rounds",
        "turnover_display",
        "ngr_display",
    ]
    list_filter = ["aggregator", "provider", "currency"]
    list_select_related = ["aggregator", "provider", "currency"]
    date_hierarchy = "day"
    search_fields = ["game_code"]
    change_list_template = "admin/games/dailyfigures/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="turnover", ordering="turnover")
    def turnover_display(self, row):
        return row.currency.format(row.turnover)

    @admin.display(description="NGR")
    def ngr_display(self, row):
        return row.currency.format(row.ngr)

    def get_urls(self):
        return [
            path("report/", self.admin_site.admin_view(self.report_view), name="games_dailyfigures_report"),
            *super().get_urls(),
        ]

    def report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.now().date()
        initial = {"start": today.replace(day=1), "end": today, "by": ["day"]}
        form = ReportForm(request.GET or initial)
        context = {
            **self.admin_site.each_context(request),
            "title": "Finance report",
            "form": form,
            "opts": self.model._meta,
        }
        if form.is_valid():
            data = form.cleaned_data
            try:
                query = ReportQuery(
                    start=data["start"],
                    end=data["end"],
                    by=tuple(data["by"]) or ("day",),
                    aggregator=data["aggregator"].strip(),
                    currency=data["currency"].strip().upper(),
                )
            except ReportError as exc:
                form.add_error(None, str(exc))
            else:
                if request.GET.get("format") == "csv":
                    return _csv_response(report_csv(query), f"report-{query.start}-{query.end}.csv")
                if request.GET.get("format") == "royalty-csv":
                    return _csv_response(royalty_csv(query), f"royalty-{query.start}-{query.end}.csv")
                context.update(_report_context(query))
        return TemplateResponse(request, "admin/games/report.html", context)


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _report_context(query: ReportQuery) -> dict:
    exponents = currency_exponents()
    rows = report_rows(query)
    table = [
        [*(str(r.keys[g]) for g in query.groups), *_money(r.values, str(r.keys["currency"]), exponents)] for r in rows
    ]
    # The chart: NGR per group, bars scaled to the largest magnitude of each currency.
    largest: dict[str, int] = {}
    for r in rows:
        currency = str(r.keys["currency"])
        largest[currency] = max(largest.get(currency, 0), abs(r.values["ngr"]))
    chart = [
        {
            "label": " · ".join(str(r.keys[g]) for g in query.groups),
            "value": f"{format_amount(r.values['ngr'], str(r.keys['currency']), exponents)} {r.keys['currency']}",
            "width": round(100 * abs(r.values["ngr"]) / (largest[str(r.keys["currency"])] or 1), 1),
            "negative": r.values["ngr"] < 0,
        }
        for r in rows
    ]
    royalty_rows = [
        [
            f"{r.month:%Y-%m}",
            r.aggregator,
            r.provider,
            f"{format_amount(r.ngr, r.currency, exponents)} {r.currency}",
            "no contract" if r.share_percent is None else f"{r.share_percent} %",
            "—" if r.due is None else f"{format_amount(r.due, r.currency, exponents)} {r.currency}",
        ]
        for r in royalties(start=query.start, end=query.end)
    ]
    return {
        "headers": [*query.groups, *COLUMNS],
        "table": table,
        "chart": chart,
        "royalties": royalty_rows,
        "query": query,
    }


@admin.register(ProviderContract)
class ProviderContractAdmin(SimpleHistoryAdmin):
    list_display = ["provider", "revenue_share_percent", "notes"]
    list_select_related = ["provider__aggregator"]
    autocomplete_fields = ["provider"]

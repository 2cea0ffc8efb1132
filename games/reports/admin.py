"""The games app's money pages in the admin: the daily figures (filters), a report page
(grouping, totals, a chart, CSV), the providers' contracts, and free-spin grants. Figures are
read-only: they come from the rollup."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from casino.admin import ReadOnlyAdmin
from casino.money import InexactAmount, to_minor_units
from games.free_spins import FreeSpinsError, free_spins_grant
from games.models import DailyFigures, FreeSpinGrant, ProviderContract
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
class DailyFiguresAdmin(ReadOnlyAdmin):
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


class FreeSpinGrantForm(forms.ModelForm):
    """A grant as staff enter it: the stake of one spin in major units of the currency."""

    bet_value_major = forms.DecimalField(label="bet value", min_value=Decimal("0"), help_text="Major units: 0.20")

    class Meta:
        model = FreeSpinGrant
        fields = ["aggregator", "player", "game_code", "currency", "spins", "expires_at"]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        currency, value = data.get("currency"), data.get("bet_value_major")
        if currency is not None and value is not None:
            try:
                data["bet_value"] = to_minor_units(value, exponent=currency.exponent)
            except InexactAmount as exc:
                self.add_error("bet_value_major", str(exc))
            else:
                if data["bet_value"] <= 0:
                    self.add_error("bet_value_major", "a spin's stake must be positive")
        if data.get("spins") is not None and data["spins"] <= 0:
            self.add_error("spins", "at least one spin")
        if data.get("expires_at") is not None and data["expires_at"] <= timezone.now():
            self.add_error("expires_at", "the grant would expire before it starts")
        return data


@admin.register(FreeSpinGrant)
class FreeSpinGrantAdmin(admin.ModelAdmin):
    """Free spins given through the aggregator's API; adding one sends it to the aggregator."""

    list_display = ["created_at", "player", "aggregator", "game_code", "spins", "spins_used", "bet", "won", "status"]
    list_filter = ["status", "aggregator"]
    search_fields = ["player__external_id", "external_id", "reference"]
    list_select_related = ["player", "aggregator", "currency"]
    autocomplete_fields = ["player"]
    form = FreeSpinGrantForm

    @admin.display(description="bet value")
    def bet(self, grant):
        return grant.currency.format(grant.bet_value)

    @admin.display(description="won")
    def won(self, grant):
        return grant.currency.format(grant.win_total)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in FreeSpinGrant._meta.fields] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            # Adding one calls a service that opens its own transaction(s) (durable; for free spins
            # a network call in between): never inside the admin's own atomic block.
            return self._changeform_view(request, object_id, form_url, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            grant = free_spins_grant(
                aggregator=data["aggregator"],
                player=data["player"],
                game_code=data["game_code"],
                currency=data["currency"].code,
                spins=data["spins"],
                bet_value=data["bet_value"],
                expires_at=data["expires_at"],
                by=request.user,
            )
        except FreeSpinsError as exc:  # the form checked the same: a race at most
            raise ValidationError(str(exc)) from exc
        obj.pk = grant.pk
        if grant.status == FreeSpinGrant.Status.FAILED:
            messages.error(request, f"The aggregator refused the grant: {grant.error}")

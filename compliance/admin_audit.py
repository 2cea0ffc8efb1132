"""The audit log in the admin: read-only records, the chain's last verification, and the
exports (audit log, a player's statement) for the Compliance role, streamed as they are read."""

from dataclasses import replace

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from casino.admin import ReadOnlyAdmin
from casino.models import Player
from compliance.audit.capture import request_address
from compliance.audit.export import (
    FORMATS,
    STATEMENT_COLUMNS,
    AuditFilter,
    ExportInvalid,
    audit_chunks,
    encode,
    export_record,
    iso,
    parse_time,
    statement_rows,
)
from compliance.models import AuditRecord, AuditVerification

EXPORT_PERMISSION = "compliance.export_auditrecord"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


class ExportForm(forms.Form):
    start = forms.CharField(label="From", help_text="ISO-8601 date or time, UTC unless a zone is given (2026-11-29).")
    end = forms.CharField(label="To (exclusive)", help_text="e.g. 2026-11-30 for the whole of the 29th.")
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS])
    player = forms.CharField(required=False, max_length=128, help_text="A player's external id.")
    kinds = forms.CharField(
        required=False, max_length=500, help_text="Kinds or prefixes, comma-separated (auth, money_request...)."
    )
    statement = forms.BooleanField(
        required=False, label="The player's statement instead (ledger movements, running balance)"
    )

    def clean(self):
        data = super().clean()
        try:
            data["start_at"] = parse_time(data.get("start", ""), name="From")
            data["end_at"] = parse_time(data.get("end", ""), name="To")
            if data["end_at"] <= data["start_at"]:
                raise ExportInvalid("the end must be after the start")
        except ExportInvalid as exc:
            raise forms.ValidationError(str(exc)) from exc
        if data.get("statement"):
            player = Player.objects.filter(external_id=data.get("player", "")).first()
            if player is None:
                raise forms.ValidationError("A statement needs an existing player's external id.")
            data["player_row"] = player
        return data


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    """The audit log: who, when, what, from -> to, why. Append-only (the database refuses
    changes); the chain's last verification is shown above the list."""

    list_display = ["id", "created_at", "kind", "actor", "ip_address", "object_type", "object_repr", "player"]
    list_filter = ["kind", "object_type"]
    search_fields = ["=actor", "=player", "=object_id", "kind"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    change_list_template = "admin/compliance/auditrecord/change_list.html"

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="compliance_auditrecord_export"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        latest = AuditVerification.objects.first()
        extra = {
            **(extra_context or {}),
            "last_verification": latest,
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
        }
        return super().changelist_view(request, extra)

    def export_view(self, request):
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        form = ExportForm(request.POST or None, initial={"start": timezone.now().date().isoformat(), "format": "csv"})
        if request.method == "POST" and form.is_valid():
            return self._stream(request, form.cleaned_data)
        context = {
            **self.admin_site.each_context(request),
            "title": "Export the audit log or a player's statement",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/compliance/auditrecord/export.html", context)

    def _stream(self, request, data) -> StreamingHttpResponse:
        fmt = data["format"]
        start, end = data["start_at"], data["end_at"]
        selection = None
        if data.get("statement"):
            what = "statement"
            detail = {"player": data["player"], "from": iso(start), "to": iso(end)}
        else:
            kinds = tuple(kind.strip() for kind in data.get("kinds", "").split(",") if kind.strip())
            selection = AuditFilter(start=start, end=end, player=data.get("player", ""), kinds=kinds)
            what, detail = "audit", selection.as_dict()
        record = export_record(
            what=what,
            actor_id=request.user.pk,
            actor=request.user.get_username(),
            ip_address=request_address(request),
            detail={**detail, "format": fmt, "via": "admin"},
        )
        if selection is None:
            rows = statement_rows(player=data["player_row"], start=start, end=end)
            chunks = encode(rows, columns=STATEMENT_COLUMNS, fmt=fmt)
        else:
            chunks = audit_chunks(replace(selection, before_id=record.pk), fmt=fmt)
        response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
        name = f"{what}-{data['player'] + '-' if data.get('player') else ''}{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}"
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response


@admin.register(AuditVerification)
class AuditVerificationAdmin(ReadOnlyAdmin):
    """Each walk of the chain (verify_audit, daily from beat): intact or where it broke."""

    list_display = ["started_at", "ok", "records_checked", "first_broken_id", "problem", "head_id"]
    list_filter = ["ok"]

    def changelist_view(self, request, extra_context=None):
        latest = AuditVerification.objects.first()
        if latest is not None and not latest.ok:
            messages.error(request, f"The last verification found the chain broken: {latest.problem}")
        return super().changelist_view(request, extra_context)

"""Compliance on the back-office's shared pages (casino/backoffice.py): the player's RG limits,
exclusions and events, and the audit log's staff actions about the player, on the player page;
the audit chain's last verification as /metrics gauges (alerts: docs/operations.md)."""

from __future__ import annotations

from casino import backoffice
from compliance.models import AuditRecord, AuditVerification, RgEvent, RgExclusion, RgLimit


def limit_amount_display(limit: RgLimit, amount: int | None) -> str:
    """Money in major units with its currency; time settings in minutes."""
    if amount is None:
        return "none"
    return limit.currency.format(amount) if limit.currency else f"{amount} min"


def rg_section(player, query) -> dict:
    limits = RgLimit.objects.filter(player=player).select_related("currency").order_by("kind", "period")
    return {
        "has_rg_state": player.has_rg_state,
        "limits": [
            {
                "limit": lim,
                "amount": limit_amount_display(lim, lim.amount),
                "pending": limit_amount_display(lim, lim.pending_amount),
            }
            for lim in limits
        ],
        "exclusions": RgExclusion.objects.filter(player=player).order_by("-starts_at")[:20],
        "events": RgEvent.objects.filter(player=player).select_related("staff").order_by("-created_at")[:50],
    }


def audit_section(player, query) -> dict:
    """The latest audit records about the player (staff changes, money requests, RG events,
    exports of their statement): the audit_record_player index."""
    return {"records": AuditRecord.objects.filter(player=player.external_id).order_by("-created_at")[:50]}


def verify_failures():
    """Broken entries the last verification found: 0 intact, 1 (it stops at the first) broken."""
    last = AuditVerification.objects.order_by("-started_at", "-id").first()
    if last is not None:
        yield {}, 0.0 if last.ok else 1.0


def verify_last_run():
    last = AuditVerification.objects.order_by("-started_at", "-id").first()
    if last is not None:
        yield {}, (last.finished_at or last.started_at).timestamp()


def register() -> None:
    backoffice.player_section(
        backoffice.PlayerSection("rg", "Responsible gaming", "compliance/player/rg.html", rg_section, order=30)
    )
    backoffice.player_section(
        backoffice.PlayerSection(
            "audit", "Staff actions (audit log)", "compliance/player/audit.html", audit_section, order=90
        )
    )
    backoffice.gauge_source("casino_audit_verify_failures", verify_failures)
    backoffice.gauge_source("casino_audit_verify_last_run_timestamp_seconds", verify_last_run)

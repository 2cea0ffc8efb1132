"""Compliance on the player page (casino/backoffice.py): the player's RG limits, exclusions and
events."""

from __future__ import annotations

from casino import backoffice
from compliance.models import AuditVerification, RgEvent, RgExclusion, RgLimit


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


def _last_verification() -> AuditVerification | None:
    return AuditVerification.objects.exclude(finished_at=None).order_by("-finished_at").first()


def audit_failure_samples():
    """Broken entries the last finished walk of the audit chain found: 0 when intact (a walk
    stops at the first break, so a broken chain counts 1)."""
    last = _last_verification()
    return [] if last is None else [({}, 0 if last.ok else 1)]


def audit_last_run_samples():
    last = _last_verification()
    return [] if last is None or last.finished_at is None else [({}, last.finished_at.timestamp())]


def register() -> None:
    backoffice.player_section(
        backoffice.PlayerSection("rg", "Responsible gaming", "compliance/player/rg.html", rg_section, order=30)
    )
    backoffice.gauge_source("casino_audit_verify_failures", audit_failure_samples)
    backoffice.gauge_source("casino_audit_verify_last_run_timestamp_seconds", audit_last_run_samples)

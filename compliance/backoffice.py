"""Compliance on the player page (casino/backoffice.py): the player's RG limits, exclusions and
events."""

from __future__ import annotations

from casino import backoffice
from compliance.models import RgEvent, RgExclusion, RgLimit


def _amount(limit: RgLimit, amount: int | None) -> str:
    """Money in major units with its currency; time settings in minutes."""
    if amount is None:
        return "none"
    return limit.currency.format(amount) if limit.currency else f"{amount} min"


def rg_section(player, query) -> dict:
    limits = RgLimit.objects.filter(player=player).select_related("currency").order_by("kind", "period")
    return {
        "has_rg_state": player.has_rg_state,
        "limits": [
            {"limit": lim, "amount": _amount(lim, lim.amount), "pending": _amount(lim, lim.pending_amount)}
            for lim in limits
        ],
        "exclusions": RgExclusion.objects.filter(player=player).order_by("-starts_at")[:20],
        "events": RgEvent.objects.filter(player=player).select_related("staff").order_by("-created_at")[:50],
    }


def register() -> None:
    backoffice.player_section(
        backoffice.PlayerSection("rg", "Responsible gaming", "compliance/player/rg.html", rg_section, order=30)
    )

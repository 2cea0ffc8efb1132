"""The responsible-gaming answer for a launch: the provider's `play_refusal` asks this
(casino/responsible_gaming.py; compliance/rg/provider.py).

Cool-off and self-exclusion first (one read), then the session-time limit (the playing session
the new game session would join, compliance/rg/playing.py); only a player refused by none asks
the register of their country, which may wait on the network. A refusal is recorded as an RG event."""

from __future__ import annotations

from datetime import datetime

from casino.models import Player
from casino.responsible_gaming import RgRefusal
from compliance.models import RgEvent
from compliance.rg.exclusions import exclusion_refusal
from compliance.rg.playing import session_time_launch_refusal
from compliance.rg.registers import register_refusal
from compliance.services import rg_event_record


def launch_refusal(*, player_id: int, at: datetime) -> RgRefusal | None:
    """Why the player may not start a game now for cool-off, self-exclusion, the session-time
    limit or an external register, or None. Not for the bet path: a bet asks exclusion_refusal_from on the state
    its money call read under the wallet lock, and never waits on a register."""
    refusal = exclusion_refusal(player_id, at)
    if refusal is None:
        refusal = session_time_launch_refusal(player_id=player_id, at=at)
    if refusal is None:
        refusal = register_refusal(Player.objects.get(pk=player_id), at)
    if refusal is not None:
        rg_event_record(
            player=player_id,
            kind=RgEvent.Kind.LAUNCH_REFUSED,
            reason=refusal.rg_reason,
            detail={"message": refusal.message},
        )
    return refusal

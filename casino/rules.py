"""Rules every app asks the same way, decided without touching the database.

One home per rule: the wallet (a bet) and the launch API (a new session) both ask
player_may_play(), so the two can never answer differently for the same player.
"""

from datetime import datetime

from casino import responsible_gaming
from casino.errors import ErrorCode, Refusal
from casino.models import Player


def player_may_play(player: Player) -> Refusal | None:
    """None when the player may play (launch a game, place a bet) now; else why not.

    The single entry point for "may this player play" on the ground floor's own data (staff's
    block). Responsible gaming (cool-off, self-exclusion, limits) is compliance's answer, read
    from the database: a launch asks it below (player_may_launch), a bet through the state its
    money call reads under the wallet lock (casino/responsible_gaming.py)."""
    if player.status == Player.Status.BLOCKED:
        return Refusal(ErrorCode.PLAYER_BLOCKED, "the player is blocked")
    return None


def player_may_launch(player: Player, *, at: datetime) -> Refusal | None:
    """player_may_play, and the responsible-gaming app's answer for a new session (cool-off,
    self-exclusion, external registers, session time): read from the database, so not pure.
    A bet asks the same RG rules through the state its money call reads under the wallet lock
    (casino/responsible_gaming.py)."""
    refusal = player_may_play(player)
    rg = responsible_gaming.provider()
    if refusal is None and rg is not None:
        refusal = rg.play_refusal(player_id=player.pk, at=at)
    return refusal

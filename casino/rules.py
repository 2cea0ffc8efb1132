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

    The single entry point for "may this player play": responsible-gaming limits belong here
    too, so that launch and bet keep refusing alike. Demo play is refused alike (a
    self-excluded player is kept away from the games, not just from real money)."""
    if player.status == Player.Status.BLOCKED:
        return Refusal(ErrorCode.PLAYER_BLOCKED, "the player is blocked")
    if player.status == Player.Status.SELF_EXCLUDED:
        return Refusal(ErrorCode.RG_BLOCKED, "the player is self-excluded")
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

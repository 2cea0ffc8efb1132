"""The player's playing session seen by responsible gaming: the session-time limit at launch, and
what the front end shows (how long the player has played, the net result since).

The playing session itself (when a sitting begins and ends) is the ground floor's rule,
casino/playing.py; the bet path reads its start from the game session (GameSession.play_started_at)
under the wallet lock, and applies the same pure rule as a launch (state.session_time_refusal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casino.playing import current_play_start
from casino.responsible_gaming import RgRefusal
from compliance.models import RgLimit
from compliance.rg.state import LimitRow, session_time_refusal
from wallet.selectors import player_last_money_call_at, player_net_result


def minutes_in_force(*, player_id: int, kind: str, at: datetime) -> int | None:
    """A player's session_time or reality_check limit in force at `at` (minutes), or None."""
    row = RgLimit.objects.filter(player_id=player_id, kind=kind).first()
    if row is None:
        return None
    return LimitRow(row.kind, "", None, row.amount, row.pending_amount, row.pending_at).in_force(at)


def session_time_launch_refusal(*, player_id: int, at: datetime) -> RgRefusal | None:
    """Refuse a new game session when the playing session it would join has lasted the
    session-time limit: relaunching must not restart the clock. Two indexed reads."""
    minutes = minutes_in_force(player_id=player_id, kind=RgLimit.Kind.SESSION_TIME, at=at)
    if minutes is None:
        return None
    return session_time_refusal(
        minutes,
        current_play_start(
            player_id=player_id, at=at, last_money_call_at=player_last_money_call_at(player_id=player_id)
        ),
        at,
    )


@dataclass(frozen=True)
class PlayingSession:
    """What the front end shows of the player's current playing session."""

    play_started_at: datetime
    played_seconds: int
    net_result: dict[str, int]  # by currency, minor units: wins + refunds - bets, real money
    session_time_limit_seconds: int | None
    reality_check_seconds: int | None


def playing_session_of(*, player_id: int, at: datetime) -> PlayingSession | None:
    """The player's playing session current at `at`, or None when they are not playing (no game
    session opened within the break, casino/playing.py)."""
    started = current_play_start(
        player_id=player_id, at=at, last_money_call_at=player_last_money_call_at(player_id=player_id)
    )
    if started is None:
        return None
    limit = minutes_in_force(player_id=player_id, kind=RgLimit.Kind.SESSION_TIME, at=at)
    reality = minutes_in_force(player_id=player_id, kind=RgLimit.Kind.REALITY_CHECK, at=at)
    return PlayingSession(
        play_started_at=started,
        played_seconds=int((at - started).total_seconds()),
        net_result=player_net_result(player_id=player_id, since=started),
        session_time_limit_seconds=limit * 60 if limit is not None else None,
        reality_check_seconds=reality * 60 if reality is not None else None,
    )

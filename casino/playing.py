"""The player's playing session (their sitting): what the session-time limit measures.

A game session starts a new playing session when the player has opened no game session in the
previous RG_SESSION_BREAK_SECONDS (30 minutes by default); otherwise it continues the playing
session of the one before it. So a relaunch, a game switch or a short pause is the same sitting
(a new game session does not reset the clock), and only a real break starts a new one. Half an
hour is long enough that closing a game to open another, or stepping away for a coffee, does not
count, and short enough that an evening's play and the next morning's are two sittings.

The ground floor holds the rule: games.services.session_open stores its answer on
GameSession.play_started_at, and compliance's launch check and front-end API ask it too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from casino.models import GameSession


def play_start_after(
    *,
    previous_created_at: datetime | None,
    previous_play_started_at: datetime | None,
    at: datetime,
    gap: timedelta,
    last_money_call_at: datetime | None = None,
) -> datetime | None:
    """The start of the playing session still current at `at`, given the player's latest game
    session (when it was opened and the playing session it belonged to) and their latest money
    call; None when there is none (no session yet, or no activity within `gap` before `at`).

    The break is counted from the player's last activity, the later of the two: a player who
    plays on in one game session past the limit and then relaunches is still in the same
    sitting, so the relaunch does not restart the clock. Pure."""
    if previous_created_at is None or previous_play_started_at is None:
        return None
    last_active = max(previous_created_at, last_money_call_at or previous_created_at)
    if at - last_active > gap:
        return None
    return previous_play_started_at


def session_break() -> timedelta:
    return timedelta(seconds=settings.RG_SESSION_BREAK_SECONDS)


def current_play_start(*, player_id: int, at: datetime, last_money_call_at: datetime | None = None) -> datetime | None:
    """The start of the player's playing session current at `at` (the one a session opened now
    would join), or None. One indexed read: the player's latest game session, on the
    (player, -created_at) index; the caller brings the player's latest money call (a wallet
    read: wallet.selectors.player_last_money_call_at), which the ground floor cannot make."""
    latest = (
        GameSession.objects.filter(player_id=player_id, created_at__lte=at)
        .order_by("-created_at")
        .values_list("created_at", "play_started_at")
        .first()
    )
    created_at, play_started_at = latest if latest is not None else (None, None)
    return play_start_after(
        previous_created_at=created_at,
        previous_play_started_at=play_started_at,
        at=at,
        gap=session_break(),
        last_money_call_at=last_money_call_at,
    )

"""Writes of the compliance app: the record of staff logins, responsible-gaming events."""

from django.contrib.auth.models import AbstractBaseUser

from casino.models import Player
from compliance.models import LoginAttempt, RgEvent


def login_attempt_begin(*, username: str, ip_address: str) -> LoginAttempt:
    """Records a login attempt as pending, committed before its password is checked: two
    guesses racing each see the other, so no burst of parallel requests gets more than the
    allowed number of passwords checked. Called outside any transaction (the login view)."""
    return LoginAttempt.objects.create(username=username[:150], ip_address=ip_address)


def login_attempt_finish(*, attempt: LoginAttempt, outcome: LoginAttempt.Outcome) -> None:
    LoginAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome)
    attempt.outcome = outcome


def rg_event_record(
    *,
    player: Player | int,
    kind: str,
    reason: str = "",
    detail: dict | None = None,
    staff: AbstractBaseUser | None = None,
) -> RgEvent:
    """Record one responsible-gaming event, in the caller's transaction (so an event is kept
    exactly when what it records is)."""
    player_id = player if isinstance(player, int) else player.pk
    return RgEvent.objects.create(player_id=player_id, kind=kind, reason=reason, detail=detail or {}, staff=staff)

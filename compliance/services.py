"""Writes of the compliance app: the record of staff logins, responsible-gaming events."""

from django.contrib.auth.models import AbstractBaseUser

from casino.models import Player
from compliance.audit.chain import audit_append
from compliance.models import LoginAttempt, RgEvent

# Login outcomes as audit kinds: every attempt is in the audit log, with its address.
LOGIN_AUDIT_KINDS = {
    LoginAttempt.Outcome.SUCCESS: "auth.login",
    LoginAttempt.Outcome.BAD_CREDENTIALS: "auth.login_failed",
    LoginAttempt.Outcome.NOT_ALLOWED: "auth.login_refused",
    LoginAttempt.Outcome.LOCKED: "auth.login_locked",
}
# RG events the audit log leaves to the call records: a bet refused is an aggregator's money
# call, recorded under its wallet's lock, which must never wait on the audit chain.
RG_EVENTS_NOT_AUDITED = {RgEvent.Kind.BET_REFUSED}


def login_attempt_begin(*, username: str, ip_address: str) -> LoginAttempt:
    """Records a login attempt as pending, committed before its password is checked: two
    guesses racing each see the other, so no burst of parallel requests gets more than the
    allowed number of passwords checked. Called outside any transaction (the login view)."""
    return LoginAttempt.objects.create(username=username[:150], ip_address=ip_address)


def login_attempt_finish(*, attempt: LoginAttempt, outcome: LoginAttempt.Outcome) -> None:
    LoginAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome)
    attempt.outcome = outcome
    audit_append(
        kind=LOGIN_AUDIT_KINDS[outcome],
        actor=attempt.username,
        ip_address=attempt.ip_address,
        object_type="compliance.loginattempt",
        object_id=str(attempt.pk),
        object_repr=str(attempt),
    )


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
    event = RgEvent.objects.create(player_id=player_id, kind=kind, reason=reason, detail=detail or {}, staff=staff)
    if kind not in RG_EVENTS_NOT_AUDITED:
        audit_append(
            kind=f"rg.{kind}",
            actor_id=staff.pk if staff else None,
            actor=staff.get_username() if staff else "",
            object_type="compliance.rgevent",
            object_id=str(event.pk),
            object_repr=str(event)[:200],
            player=Player.objects.filter(pk=player_id).values_list("external_id", flat=True).first() or "",
            changes={"reason": reason, "detail": detail or {}},
        )
    return event

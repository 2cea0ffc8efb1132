"""Writes of the compliance app: the record of staff logins."""

from compliance.models import LoginAttempt


def login_attempt_begin(*, username: str, ip_address: str) -> LoginAttempt:
    """Records a login attempt as pending, committed before its password is checked: two
    guesses racing each see the other, so no burst of parallel requests gets more than the
    allowed number of passwords checked. Called outside any transaction (the login view)."""
    return LoginAttempt.objects.create(username=username[:150], ip_address=ip_address)


def login_attempt_finish(*, attempt: LoginAttempt, outcome: LoginAttempt.Outcome) -> None:
    LoginAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome)
    attempt.outcome = outcome

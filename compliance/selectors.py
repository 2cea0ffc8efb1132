"""Reads of the compliance app."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

from compliance.models import COUNTED_FAILURES, LoginAttempt


def login_locked_until(*, attempt: LoginAttempt) -> datetime | None:
    """Until when logins like this attempt are refused, or None if it may be checked.

    Locked while the account (since its last successful login) or the client address has
    reached its limit of failures within the lockout period before this attempt; the lock
    ends when the oldest of those failures is older than the period. Refused attempts do
    not count, so a lock does not extend itself, and a success does not reset an address
    (an attacker with one valid account could otherwise clear their address's count)."""
    period = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    recent = LoginAttempt.objects.filter(
        outcome__in=COUNTED_FAILURES, attempted_at__gt=attempt.attempted_at - period
    ).exclude(pk=attempt.pk)
    by_account = recent.filter(username=attempt.username)
    last_success = (
        LoginAttempt.objects.filter(username=attempt.username, outcome=LoginAttempt.Outcome.SUCCESS)
        .order_by("-attempted_at")
        .values_list("attempted_at", flat=True)
        .first()
    )
    if last_success is not None:
        by_account = by_account.filter(attempted_at__gt=last_success)
    by_address = recent.filter(ip_address=attempt.ip_address)
    ends = [
        _lock_end(by_account, limit=settings.LOGIN_FAILURES_PER_ACCOUNT, period=period),
        _lock_end(by_address, limit=settings.LOGIN_FAILURES_PER_ADDRESS, period=period),
    ]
    return max((end for end in ends if end is not None), default=None)


def _lock_end(failures: QuerySet, *, limit: int, period: timedelta) -> datetime | None:
    """With `limit` failures or more: when the limit-th most recent one leaves the period."""
    latest = list(failures.order_by("-attempted_at").values_list("attempted_at", flat=True)[:limit])
    return latest[-1] + period if len(latest) >= limit else None

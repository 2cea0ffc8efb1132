"""The periods of responsible-gaming limits: calendar day, week (from Monday) and month in the
operator's time zone (settings.RG_TIME_ZONE).

Calendar periods, not rolling windows: a player (and a regulator) reads "a daily limit of 100"
as "100 today", renewed at midnight, and can see at a glance what is left; a rolling 24-hour
window would free each stake exactly a day after it was placed, which nobody can follow. One
time zone for every player, the operator's: the one its licence and reports are written in.

Midnight always exists in Europe/Malta (clocks change at 01:00 UTC, 02:00/03:00 local), so a
period starts at local midnight; its length in hours varies (23 or 25 on the DST days), which
is why a start is computed from the local calendar, never by adding 24 hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models


class Period(models.TextChoices):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def operator_tz() -> ZoneInfo:
    return ZoneInfo(settings.RG_TIME_ZONE)


def period_start(period: str, at: datetime, tz: tzinfo) -> datetime:
    """The start (an instant, in UTC) of the calendar `period` in `tz` that contains `at`."""
    local = at.astimezone(tz).date()
    if period == Period.DAY:
        first = local
    elif period == Period.WEEK:
        first = local - timedelta(days=local.weekday())  # Monday
    elif period == Period.MONTH:
        first = local.replace(day=1)
    else:
        raise ValueError(f"unknown period {period!r}")
    return _midnight(first, tz)


def period_end(period: str, start: datetime, tz: tzinfo) -> datetime:
    """The start of the period after the one starting at `start` (when its use resets)."""
    local = start.astimezone(tz).date()
    if period == Period.DAY:
        following = local + timedelta(days=1)
    elif period == Period.WEEK:
        following = local + timedelta(days=7)
    else:
        following = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    return _midnight(following, tz)


def _midnight(day: date, tz: tzinfo) -> datetime:
    # Built from the wall-clock date, so the offset is the one in force that day (DST); given
    # back in UTC, because Python compares and subtracts two datetimes of the same tzinfo by
    # their wall clocks (a 25-hour day would measure 24).
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)

"""Limit periods are calendar days, weeks (from Monday) and months in the operator's time zone
(Europe/Malta: UTC+1 in winter, UTC+2 in summer)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from compliance.rg.periods import Period, period_end, period_start

MALTA = ZoneInfo("Europe/Malta")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=MALTA)


@pytest.mark.parametrize(
    ("period", "at", "start"),
    [
        # a second before local midnight is still the old day; midnight starts the new one
        (Period.DAY, local(2026, 1, 14, 23, 59, 59), local(2026, 1, 14)),
        (Period.DAY, local(2026, 1, 15, 0, 0, 0), local(2026, 1, 15)),
        # the same instants in UTC: local midnight is 23:00 UTC the evening before in winter
        (Period.DAY, datetime(2026, 1, 14, 22, 59, 59, tzinfo=UTC), local(2026, 1, 14)),
        (Period.DAY, datetime(2026, 1, 14, 23, 0, 0, tzinfo=UTC), local(2026, 1, 15)),
        # summer: 22:00 UTC
        (Period.DAY, datetime(2026, 7, 14, 21, 59, 59, tzinfo=UTC), local(2026, 7, 14)),
        (Period.DAY, datetime(2026, 7, 14, 22, 0, 0, tzinfo=UTC), local(2026, 7, 15)),
        # weeks start on Monday: Sunday 23:59:59 is last week, Monday 00:00 the new one
        (Period.WEEK, local(2026, 3, 8, 23, 59, 59), local(2026, 3, 2)),
        (Period.WEEK, local(2026, 3, 9, 0, 0, 0), local(2026, 3, 9)),
        (Period.WEEK, local(2026, 3, 11, 12, 0), local(2026, 3, 9)),
        # month end, in a leap year and across a year end
        (Period.MONTH, local(2028, 2, 29, 23, 59, 59), local(2028, 2, 1)),
        (Period.MONTH, local(2028, 3, 1, 0, 0, 0), local(2028, 3, 1)),
        (Period.MONTH, local(2026, 12, 31, 23, 59, 59), local(2026, 12, 1)),
        (Period.MONTH, local(2027, 1, 1, 0, 0, 0), local(2027, 1, 1)),
        # a week across a month end
        (Period.WEEK, local(2026, 6, 1, 10, 0), local(2026, 6, 1)),
        (Period.WEEK, local(2026, 5, 31, 10, 0), local(2026, 5, 25)),
    ],
)
def test_the_period_of_an_instant_starts_at_local_midnight(period, at, start):
    assert period_start(period, at, MALTA) == start


def test_the_spring_dst_day_is_23_hours_long_and_both_its_ends_are_local_midnights():
    # 29 March 2026, last Sunday of March: clocks go from 02:00 to 03:00 local (01:00 UTC)
    start = period_start(Period.DAY, local(2026, 3, 29, 12, 0), MALTA)
    end = period_end(Period.DAY, start, MALTA)

    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # midnight, still UTC+1
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # next midnight, now UTC+2
    assert (end - start).total_seconds() == 23 * 3600
    # the instants around the jump belong to that day
    assert period_start(Period.DAY, datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), MALTA) == start
    assert period_start(Period.DAY, datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC), MALTA) == start
    assert period_start(Period.DAY, datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC), MALTA) == start
    assert period_start(Period.DAY, datetime(2026, 3, 29, 22, 0, 0, tzinfo=UTC), MALTA) == end


def test_the_autumn_dst_day_is_25_hours_long():
    # 25 October 2026, last Sunday of October: 03:00 local goes back to 02:00
    start = period_start(Period.DAY, local(2026, 10, 25, 2, 30), MALTA)
    end = period_end(Period.DAY, start, MALTA)

    assert start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 25 * 3600
    # both 02:30 local of that night (00:30 and 01:30 UTC) are the same day
    assert period_start(Period.DAY, datetime(2026, 10, 25, 0, 30, tzinfo=UTC), MALTA) == start
    assert period_start(Period.DAY, datetime(2026, 10, 25, 1, 30, tzinfo=UTC), MALTA) == start


def test_a_week_and_a_month_across_the_dst_change_end_at_local_midnight():
    week = period_start(Period.WEEK, local(2026, 3, 29, 12, 0), MALTA)
    month = period_start(Period.MONTH, local(2026, 3, 29, 12, 0), MALTA)

    assert week == local(2026, 3, 23) and period_end(Period.WEEK, week, MALTA) == local(2026, 3, 30)
    assert month == local(2026, 3, 1) and period_end(Period.MONTH, month, MALTA) == local(2026, 4, 1)
    assert period_end(Period.MONTH, local(2026, 12, 1), MALTA) == local(2027, 1, 1)

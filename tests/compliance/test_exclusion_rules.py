"""The exclusion rules, pure: terms and their ends, and who may play when. No database."""

from datetime import UTC, datetime, timedelta

import pytest

from compliance.rg.exclusions import (
    COOL_OFF,
    SELF_EXCLUSION,
    ExclusionSpan,
    TermError,
    add_months,
    cool_off_term,
    exclusion_refusal_from,
    term_end,
)

T0 = datetime(2026, 8, 31, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "term", "ends_at"),
    [
        (COOL_OFF, "P1D", datetime(2026, 9, 1, 12, 0, tzinfo=UTC)),
        (COOL_OFF, "P42D", datetime(2026, 10, 12, 12, 0, tzinfo=UTC)),
        (SELF_EXCLUSION, "P6M", datetime(2027, 2, 28, 12, 0, tzinfo=UTC)),  # no 31 February
        (SELF_EXCLUSION, "P1Y", datetime(2027, 8, 31, 12, 0, tzinfo=UTC)),
        (SELF_EXCLUSION, "P5Y", datetime(2031, 8, 31, 12, 0, tzinfo=UTC)),
        (SELF_EXCLUSION, "permanent", None),
    ],
)
def test_each_term_ends_when_its_calendar_says(kind, term, ends_at):
    assert term_end(kind=kind, term=term, starts_at=T0) == ends_at


@pytest.mark.parametrize(
    ("kind", "term"),
    [(COOL_OFF, "P0D"), (COOL_OFF, "P43D"), (COOL_OFF, "P6M"), (SELF_EXCLUSION, "P3M"), (SELF_EXCLUSION, "legacy")],
)
def test_a_term_outside_the_offer_is_refused(kind, term):
    with pytest.raises(TermError):
        term_end(kind=kind, term=term, starts_at=T0)


def test_a_cool_off_lasts_from_one_day_to_six_weeks():
    assert (cool_off_term(1), cool_off_term(42)) == ("P1D", "P42D")
    with pytest.raises(TermError):
        cool_off_term(43)


def test_a_leap_day_plus_a_year_is_the_last_day_of_february():
    assert add_months(datetime(2028, 2, 29, tzinfo=UTC), 12) == datetime(2029, 2, 28, tzinfo=UTC)


def span(kind, *, days: float | None, started_days_ago: float = 0):
    start = T0 - timedelta(days=started_days_ago)
    return ExclusionSpan(kind, start, None if days is None else start + timedelta(days=days))


@pytest.mark.parametrize(
    ("exclusions", "at", "reason"),
    [
        ([], T0, None),
        ([span(COOL_OFF, days=1)], T0, "COOL_OFF"),
        ([span(COOL_OFF, days=1)], T0 + timedelta(days=1) - timedelta(seconds=1), "COOL_OFF"),
        ([span(COOL_OFF, days=1)], T0 + timedelta(days=1), None),  # the end is the first free moment
        ([span(COOL_OFF, days=1)], T0 - timedelta(seconds=1), None),  # not before it starts
        ([span(SELF_EXCLUSION, days=None)], T0 + timedelta(days=365 * 50), "SELF_EXCLUDED"),
        ([span(COOL_OFF, days=10), span(SELF_EXCLUSION, days=183)], T0, "SELF_EXCLUDED"),
        ([span(COOL_OFF, days=10), span(SELF_EXCLUSION, days=2, started_days_ago=3)], T0, "COOL_OFF"),
    ],
)
def test_a_player_in_a_cool_off_or_self_exclusion_may_not_play(exclusions, at, reason):
    refusal = exclusion_refusal_from(exclusions, at)

    assert (refusal.rg_reason if refusal else None) == reason
    if refusal:
        assert refusal.code == "RG_BLOCKED"


def test_the_refusal_names_the_last_end_of_an_extended_exclusion():
    extended = [span(SELF_EXCLUSION, days=183), span(SELF_EXCLUSION, days=365)]

    refusal = exclusion_refusal_from(extended, T0)

    assert refusal.message == f"the player is self-excluded until {(T0 + timedelta(days=365)).isoformat()}"
    assert exclusion_refusal_from([*extended, span(SELF_EXCLUSION, days=None)], T0).message.endswith("with no end")

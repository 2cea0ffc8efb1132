"""The pure rules that refuse a bet or a deposit from what a money call read (compliance/rg/state.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from compliance.rg.state import LimitRow, RgState, Totals

NOW = datetime(2026, 5, 13, 12, 0, tzinfo=UTC)


def state(*limits: LimitRow, currency="EUR", session_started_at=None, **totals) -> RgState:
    return RgState(
        currency=currency,
        limits=limits,
        totals={period: Totals(**values) for period, values in totals.items()},
        session_started_at=session_started_at,
    )


@pytest.mark.parametrize(
    ("kind", "total", "reason"),
    [("loss", "net_loss", "LOSS_LIMIT"), ("wager", "wagered", "WAGER_LIMIT")],
)
@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_a_bet_that_would_pass_a_loss_or_wager_limit_is_refused_and_one_that_reaches_it_is_not(
    kind, total, reason, period
):
    rg = state(LimitRow(kind, period, "EUR", 1_000), **{period: {total: 700}})

    assert rg.bet_refusal(amount=300, at=NOW) is None
    refusal = rg.bet_refusal(amount=301, at=NOW)
    assert refusal is not None and refusal.code == "RG_BLOCKED" and refusal.rg_reason == reason


def test_wins_ahead_of_bets_leave_room_under_a_loss_limit():
    rg = state(LimitRow("loss", "day", "EUR", 1_000), day={"net_loss": -500, "wagered": 5_000})

    assert rg.bet_refusal(amount=1_500, at=NOW) is None
    assert rg.bet_refusal(amount=1_501, at=NOW).rg_reason == "LOSS_LIMIT"


def test_use_of_another_period_does_not_count():
    rg = state(LimitRow("wager", "day", "EUR", 1_000), week={"wagered": 50_000})

    assert rg.bet_refusal(amount=1_000, at=NOW) is None


def test_a_limit_in_another_currency_refuses_bets_from_a_wallet_without_one():
    rg = state(LimitRow("loss", "week", "EUR", 1_000), currency="USD")

    refusal = rg.bet_refusal(amount=1, at=NOW)

    assert refusal.rg_reason == "LOSS_LIMIT"
    assert "set a limit in USD first" in refusal.message and "EUR" in refusal.message


def test_limits_in_both_currencies_each_hold_their_own_wallet():
    rg = state(LimitRow("loss", "week", "EUR", 1_000), LimitRow("loss", "week", "USD", 50), currency="USD")

    assert rg.bet_refusal(amount=50, at=NOW) is None
    assert rg.bet_refusal(amount=51, at=NOW).rg_reason == "LOSS_LIMIT"


def test_a_pending_loosening_holds_from_its_time_on_and_not_before():
    row = LimitRow("wager", "day", "EUR", 100, pending_amount=10_000, pending_at=NOW + timedelta(hours=1))
    rg = state(row)

    assert rg.bet_refusal(amount=500, at=NOW).rg_reason == "WAGER_LIMIT"
    assert rg.bet_refusal(amount=500, at=NOW + timedelta(hours=1)) is None


def test_a_pending_lifting_leaves_no_limit_once_due():
    rg = state(LimitRow("loss", "day", "EUR", 100, pending_amount=None, pending_at=NOW))

    assert rg.bet_refusal(amount=10**9, at=NOW) is None


def test_a_bet_after_the_session_time_limit_is_refused():
    started = NOW - timedelta(minutes=30)
    rg = state(LimitRow("session_time", "", None, 30), session_started_at=started)

    assert rg.bet_refusal(amount=1, at=NOW - timedelta(seconds=1)) is None
    assert rg.bet_refusal(amount=1, at=NOW).rg_reason == "SESSION_TIME"


def test_a_free_bet_uses_no_money_limit_but_keeps_to_the_session_time():
    rg = state(LimitRow("wager", "day", "EUR", 0), LimitRow("session_time", "", None, 1), session_started_at=NOW)

    assert rg.bet_refusal(amount=0, at=NOW) is None
    assert rg.bet_refusal(amount=0, at=NOW + timedelta(minutes=1)).rg_reason == "SESSION_TIME"


def test_a_deposit_over_the_deposit_limit_is_refused_and_bets_ignore_it():
    rg = state(LimitRow("deposit", "month", "EUR", 10_000), month={"deposited": 9_000})

    assert rg.deposit_refusal(amount=1_000, at=NOW) is None
    assert rg.deposit_refusal(amount=1_001, at=NOW).rg_reason == "DEPOSIT_LIMIT"
    assert rg.bet_refusal(amount=10**9, at=NOW) is None


def test_a_reality_check_interval_limits_nothing():
    rg = state(LimitRow("reality_check", "", None, 1), session_started_at=NOW - timedelta(days=1))

    assert rg.bet_refusal(amount=10**9, at=NOW) is None

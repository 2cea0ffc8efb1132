"""wallet.services.rules.decide for what issue 14 adds, without a database: conversion at the
round's locked rate, staleness, and bonus money (cash first, wins back in proportion). Unsaved
rows stand for what calls.py reads under the wallet lock (as in tests/wallet/test_rules.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from casino.models import Mode
from tests.wallet.test_rules import AGGREGATOR, REAL_WALLET, bet, round_, session_on
from wallet.errors import ErrorCode, WalletError
from wallet.models import AggregatorTransaction, Wallet, WalletMode
from wallet.services.rules import BonusState, FxQuote, Known, MoneyCall, SpinType, decide

Kind = AggregatorTransaction.Kind
NOW = timezone.now()
FRESH = FxQuote(played="USD", played_exponent=2, wallet_exponent=2, rate=Decimal("0.9234"),
                valid_until=NOW + timedelta(minutes=5))  # fmt: skip
STALE = FxQuote(played="USD", played_exponent=2, wallet_exponent=2, rate=Decimal("0.5"),
                valid_until=NOW - timedelta(seconds=1))  # fmt: skip


def _call(kind, amount, *, currency="USD", round_id="round-1", reference="", spin=SpinType.CASH):
    return MoneyCall(
        aggregator=AGGREGATOR, kind=kind, transaction_id=f"{kind}-9", player_id="player-1", session_token="t",
        currency=currency, amount=amount, round_id=round_id, reference_id=reference, spin_type=spin,
    )  # fmt: skip


def _locked_round(rate="0.9234", bet_total=923):
    the_round = round_(1, "round-1", bet_total=bet_total)
    the_round.fx_currency_id, the_round.fx_rate = "USD", Decimal(rate)
    return the_round


def _decide(call, *, fx=None, rounds=(), records=(), bonus=None, balance=10_000):
    wallet = Wallet(pk=REAL_WALLET.pk, currency_id="EUR", mode=Mode.REAL, balance=balance)
    known = Known(list(records), list(rounds), at=NOW, fx=fx, bonus=bonus)
    try:
        decision = decide(call, session_on(wallet), wallet, known)
    except WalletError as refusal:
        return refusal.code
    posting = decision.posting
    legs = dict(((k.kind, k.currency_id), a) for k, a in posting.house_legs()) if posting else None
    return posting.amount if posting else None, legs


@pytest.mark.parametrize(
    ("call", "fx", "rounds", "expected"),
    [
        # A bet opening its round converts at the fresh rate, half-even: 10.00 USD -> 9.23 EUR.
        (_call(Kind.BET, 1000), FRESH, (), (-923, {("fx", "EUR"): 923, ("fx", "USD"): -1000, ("game", "USD"): 1000})),
        # A win in a round locked at 0.9234 settles at it, though the latest rate is 0.5 and stale.
        (
            _call(Kind.WIN, 2500),
            STALE,
            (_locked_round(),),
            (2308, {("fx", "EUR"): -2308, ("fx", "USD"): 2500, ("game", "USD"): -2500}),
        ),  # fmt: skip
        # A bet needs a rate within its validity, even in a locked round.
        (_call(Kind.BET, 1000), STALE, (), ErrorCode.FX_RATE_STALE),
        (_call(Kind.BET, 1000), STALE, (_locked_round(),), ErrorCode.FX_RATE_STALE),
        # A pair without any rate yet.
        (
            _call(Kind.BET, 1000),
            FxQuote(played="USD", played_exponent=2, wallet_exponent=2),
            (),
            ErrorCode.FX_RATE_STALE,
        ),  # fmt: skip
        # No pair: the currency is a mismatch, as before.
        (_call(Kind.BET, 1000), None, (), ErrorCode.CURRENCY_MISMATCH),
        # A call in another currency than its round's.
        (
            _call(Kind.WIN, 100, currency="GBP"),
            FxQuote(
                played="GBP",
                played_exponent=2,
                wallet_exponent=2,
                rate=Decimal("1.17"),
                valid_until=NOW + timedelta(minutes=5),
            ),
            (_locked_round(),),
            ErrorCode.CURRENCY_MISMATCH,
        ),  # fmt: skip
        # A round played in the wallet's currency does not take a foreign call.
        (_call(Kind.WIN, 100), FRESH, (round_(1, "round-1"),), ErrorCode.CURRENCY_MISMATCH),
    ],
)
def test_conversion_decisions(call, fx, rounds, expected):
    assert _decide(call, fx=fx, rounds=rounds) == expected


def test_a_rollback_refunds_exactly_what_its_bet_debited_at_the_bets_rate():
    the_round = _locked_round()
    the_bet = bet("bet-1", the_round, amount=1000)
    the_bet.request = {"currency": "USD"}
    # Hub88 sends a rollback in the session's currency: it settles in its bet's, at its rate.
    rollback = _call(Kind.ROLLBACK, None, currency="EUR", reference="bet-1")

    assert _decide(rollback, fx=STALE, rounds=(the_round,), records=(the_bet,))[0] == 923


def _bonus(balance):
    return BonusState(bonus_id=1, wallet=Wallet(pk=99, currency_id="EUR", mode=WalletMode.BONUS, balance=balance))


@pytest.mark.parametrize(
    ("cash", "bonus", "bet", "expected"),
    [
        (10_000, 2_000, 1_000, (-1_000, None, 0)),  # cash covers it: no bonus money
        (300, 2_000, 1_000, (-300, -700, 700)),  # cash first, the rest from the bonus
        (0, 2_000, 1_000, (-1_000, None, 1_000)),  # no cash: the bonus posting is the call's only one
        (300, 600, 1_000, ErrorCode.INSUFFICIENT_FUNDS),  # both together fall short
    ],
)
def test_a_bet_takes_cash_first_then_bonus_money(cash, bonus, bet, expected):
    wallet = Wallet(pk=REAL_WALLET.pk, currency_id="EUR", mode=Mode.REAL, balance=cash)
    known = Known([], [], at=NOW, bonus=_bonus(bonus))
    try:
        decision = decide(_call(Kind.BET, bet, currency="EUR"), session_on(wallet), wallet, known)
    except WalletError as refusal:
        assert refusal.code == expected
        return
    extra = decision.bonus_posting.amount if decision.bonus_posting else None
    assert (decision.posting.amount, extra, decision.bonus_amount) == expected
    assert decision.wagered == bet


@pytest.mark.parametrize(
    ("win", "bonus_stake", "bet_total", "to_cash", "to_bonus"),
    [
        (2_501, 700, 1_000, 750, 1_751),  # 17.507 -> 17.51 to the bonus
        (1_000, 0, 1_000, 1_000, 0),  # a round staked with cash only
        (1_000, 1_000, 1_000, None, 1_000),  # all bonus: the bonus posting is the only one
        (5, 500, 1_000, 3, 2),  # 2.5 -> 2 to the bonus (half-even), 3 to cash
        (7, 500, 1_000, 3, 4),  # 3.5 -> 4
    ],
)
def test_a_win_goes_back_to_the_bonus_in_proportion(win, bonus_stake, bet_total, to_cash, to_bonus):
    the_round = round_(1, "round-1", bet_total=bet_total)
    the_round.bonus_stake = bonus_stake
    wallet = Wallet(pk=REAL_WALLET.pk, currency_id="EUR", mode=Mode.REAL, balance=0)
    known = Known([], [the_round], at=NOW, bonus=_bonus(0))

    decision = decide(_call(Kind.WIN, win, currency="EUR"), session_on(wallet), wallet, known)

    postings = [p for p in (decision.posting, decision.bonus_posting) if p is not None]
    on_cash = sum(p.amount for p in postings if p.wallet is wallet) or None
    assert (on_cash, decision.bonus_amount) == (to_cash, to_bonus)

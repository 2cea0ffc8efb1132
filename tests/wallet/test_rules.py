"""wallet.services.rules.decide, table by table: the money rules every protocol shares, decided
without a database (unsaved rows stand for what calls.py reads under the wallet lock)."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from casino.models import Aggregator, GameSession, Mode, Player
from wallet.errors import ErrorCode, WalletError
from wallet.models import AggregatorTransaction, GameRound, Wallet
from wallet.services.rules import Known, MoneyCall, SpinType, decide

Kind = AggregatorTransaction.Kind
Outcome = AggregatorTransaction.Outcome

AGGREGATOR = Aggregator(pk=1, code="hub88")
REAL_WALLET = Wallet(pk=10, currency_id="EUR", mode=Mode.REAL, balance=10_000)
DEMO_WALLET = Wallet(pk=11, currency_id="EUR", mode=Mode.DEMO, balance=1_000_000)
OTHER_PLAYERS_WALLET = Wallet(pk=20, currency_id="EUR", mode=Mode.REAL, balance=10_000)
WALLETS = {"real": REAL_WALLET, "demo": DEMO_WALLET, "other player": OTHER_PLAYERS_WALLET}
_ids = itertools.count(1, 2)


def session_on(wallet: Wallet) -> GameSession:
    return GameSession(
        player=Player(external_id="player-1", status=Player.Status.ACTIVE),
        aggregator=AGGREGATOR,
        currency_id="EUR",
        mode=wallet.mode,
        expires_at=timezone.now() + timedelta(hours=1),
    )


def round_(pk: int, external_id: str, *, wallet=REAL_WALLET, closed=False, live_bets=1, bet_total=100, rolled_back=0):
    return GameRound(
        pk=pk,
        aggregator=AGGREGATOR,
        external_id=external_id,
        wallet=wallet,
        status=GameRound.Status.CLOSED if closed else GameRound.Status.OPEN,
        live_bets=live_bets,
        bet_total=bet_total,
        rolled_back_bets=rolled_back,
    )


def bet(external_id: str, round_: GameRound, *, amount=100, staked=True, outcome=Outcome.APPLIED, spin=SpinType.CASH):
    return AggregatorTransaction(
        pk=next(_ids),
        aggregator=AGGREGATOR,
        external_id=external_id,
        kind=Kind.BET,
        wallet_id=round_.wallet_id,
        round_id=round_.pk,
        amount=amount,
        spin_type=spin,
        outcome=outcome,
        ledger_transaction_id=7 if staked else None,
    )


def rollback_of(record: AggregatorTransaction, *, outcome=Outcome.APPLIED) -> AggregatorTransaction:
    return AggregatorTransaction(
        pk=record.pk + 1,
        aggregator=AGGREGATOR,
        external_id=f"rb-{record.external_id}",
        kind=Kind.ROLLBACK,
        wallet_id=record.wallet_id,
        reference_id=record.external_id,
        outcome=outcome,
    )


def win(*, reference="", round_id="round-1", amount=500, spin=SpinType.CASH, closes=False) -> MoneyCall:
    return MoneyCall(
        aggregator=AGGREGATOR,
        kind=Kind.WIN,
        transaction_id="win-1",
        player_id="player-1",
        session_token="token",
        currency="EUR",
        amount=amount,
        round_id=round_id,
        spin_type=spin,
        round_closed=closes,
        reference_id=reference,
    )


def refusal(call: MoneyCall, known: Known, wallet: Wallet = REAL_WALLET) -> str:
    with pytest.raises(WalletError) as refused:
        decide(call, session_on(wallet), wallet, known)
    return refused.value.code


# --- A win that names its bet (Hub88) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("whose_bet", "expected"),
    [
        ("real", "OK"),
        ("other player", ErrorCode.TRANSACTION_NOT_FOUND),
        ("demo", ErrorCode.TRANSACTION_NOT_FOUND),
    ],
)
def test_a_win_is_paid_only_by_a_bet_of_its_own_wallet(whose_bet, expected):
    bets_round = round_(1, "round-1", wallet=WALLETS[whose_bet])
    known = Known([bet("bet-1", bets_round)], [bets_round])

    call = win(reference="bet-1")

    if expected == "OK":
        assert decide(call, session_on(REAL_WALLET), REAL_WALLET, known).posting.amount == 500
    else:
        assert refusal(call, known) == expected


def test_a_demo_win_is_not_paid_by_a_real_bet():
    bets_round = round_(1, "round-1", wallet=REAL_WALLET)
    known = Known([bet("bet-1", bets_round)], [bets_round])

    assert refusal(win(reference="bet-1"), known, wallet=DEMO_WALLET) == ErrorCode.TRANSACTION_NOT_FOUND


@pytest.mark.parametrize("wins_round_id", ["round-1", "round-2", ""])
def test_a_win_naming_a_bet_of_a_closed_round_is_refused_whatever_round_it_names(wins_round_id):
    closed = round_(1, "round-1", closed=True)
    known = Known([bet("bet-1", closed)], [closed])

    assert refusal(win(reference="bet-1", round_id=wins_round_id), known) == ErrorCode.ROUND_CLOSED


@pytest.mark.parametrize("wins_round_id", ["round-2", ""])
def test_a_win_naming_a_bet_lands_in_the_bets_round(wins_round_id):
    open_round = round_(1, "round-1")
    known = Known([bet("bet-1", open_round)], [open_round])

    decision = decide(
        win(reference="bet-1", round_id=wins_round_id, closes=True), session_on(REAL_WALLET), REAL_WALLET, known
    )

    assert decision.round is open_round
    assert decision.round_change.closes


def test_a_win_whose_bet_was_rolled_back_says_so_even_when_the_rollback_closed_the_round():
    closed_by_rollback = round_(1, "round-1", closed=True, live_bets=0, bet_total=0, rolled_back=1)
    the_bet = bet("bet-1", closed_by_rollback)
    known = Known([the_bet, rollback_of(the_bet)], [closed_by_rollback])

    assert refusal(win(reference="bet-1"), known) == ErrorCode.TRANSACTION_ROLLED_BACK


@pytest.mark.parametrize(
    ("the_bet", "wins_spin", "expected"),
    [
        ({"amount": 100, "staked": True}, SpinType.CASH, "OK"),
        ({"amount": 0, "staked": False}, SpinType.CASH, ErrorCode.TRANSACTION_NOT_FOUND),
        ({"amount": 500, "staked": False, "spin": SpinType.FREE}, SpinType.CASH, ErrorCode.TRANSACTION_NOT_FOUND),
        ({"amount": 0, "staked": False}, SpinType.FREE, "OK"),
        ({"amount": 0, "staked": False, "spin": SpinType.PROMO}, SpinType.PROMO, "OK"),
        ({"amount": 500, "staked": False, "spin": SpinType.FREE}, SpinType.FREE, "OK"),
    ],
)
def test_a_cash_win_needs_a_bet_that_staked_money(the_bet, wins_spin, expected):
    bets_round = round_(1, "round-1", bet_total=100 if the_bet["staked"] else 0)
    known = Known([bet("bet-1", bets_round, **the_bet)], [bets_round])

    call = win(reference="bet-1", spin=wins_spin)

    if expected == "OK":
        assert decide(call, session_on(REAL_WALLET), REAL_WALLET, known).outcome == Outcome.APPLIED
    else:
        assert refusal(call, known) == expected


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([], ErrorCode.TRANSACTION_NOT_FOUND),
        ([bet("bet-1", round_(1, "round-1"), outcome=Outcome.REFUSED)], ErrorCode.TRANSACTION_NOT_FOUND),
    ],
)
def test_a_win_naming_no_accepted_bet_is_refused(records, expected):
    assert refusal(win(reference="bet-1"), Known(records, [round_(1, "round-1")])) == expected


# --- A win that names only its round (native) -------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "spin", "expected"),
    [
        ({"live_bets": 1, "bet_total": 100}, SpinType.CASH, "OK"),
        ({"live_bets": 1, "bet_total": 0}, SpinType.CASH, ErrorCode.TRANSACTION_NOT_FOUND),  # a zero bet
        ({"live_bets": 0, "bet_total": 0, "rolled_back": 1}, SpinType.CASH, ErrorCode.TRANSACTION_ROLLED_BACK),
        ({"live_bets": 0, "bet_total": 0}, SpinType.CASH, ErrorCode.TRANSACTION_NOT_FOUND),
        ({"live_bets": 1, "bet_total": 0}, SpinType.FREE, "OK"),
        ({"live_bets": 0, "bet_total": 0}, SpinType.TOURNAMENT, "OK"),
    ],
)
def test_a_cash_win_needs_money_staked_in_its_round(counts, spin, expected):
    the_round = round_(1, "round-1", **counts)
    call = win(spin=spin)

    if expected == "OK":
        assert decide(call, session_on(REAL_WALLET), REAL_WALLET, Known([], [the_round])).outcome == Outcome.APPLIED
    else:
        assert refusal(call, Known([], [the_round])) == expected


def test_a_win_in_a_closed_round_is_refused():
    assert refusal(win(), Known([], [round_(1, "round-1", closed=True)])) == ErrorCode.ROUND_CLOSED

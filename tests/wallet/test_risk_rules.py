"""The risk limits on wins (wallet/services/rules.py), decided without a database: one table.

Every row is a win of a real-money session, the limits and the day's total it was read with,
and what the rule answers: credited (and what it adds to the day's wins without a bet) or
refused with RISK_LIMIT_EXCEEDED.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from casino.models import Aggregator, GameSession, Player
from wallet.errors import ErrorCode, WalletError
from wallet.models import AggregatorTransaction, GameRound, Wallet
from wallet.services.rules import Known, MoneyCall, RiskLimits, decide

LIMITS = RiskLimits(max_win_multiple=10, max_win_without_bet=500, daily_wins_without_bet=1_000)
REFUSED = "RISK_LIMIT_EXCEEDED"


A_WALLET = Wallet(pk=1, player=Player(external_id="p-1"), currency_id="EUR", balance=0)


def a_session() -> GameSession:
    return GameSession(
        pk=1,
        token="tok",
        player=A_WALLET.player,
        aggregator=Aggregator(pk=1, code="acme"),
        currency_id="EUR",
        expires_at=timezone.now() + timedelta(minutes=5),
    )


def a_round(*, bet_total: int, win_total: int = 0, external_id: str = "r-1", pk: int = 1) -> GameRound:
    return GameRound(
        pk=pk,
        aggregator_id=1,
        external_id=external_id,
        wallet_id=1,
        live_bets=1,
        bet_total=bet_total,
        win_total=win_total,
    )


def a_bet(external_id: str, round_: GameRound) -> AggregatorTransaction:
    return AggregatorTransaction(
        aggregator_id=1,
        external_id=external_id,
        kind="bet",
        wallet_id=1,
        round_id=round_.pk,
        outcome="applied",
        # A bet that staked money posted a ledger transaction; a free bet posted none.
        ledger_transaction_id=round_.pk if round_.bet_total else None,
    )


def win_of(amount: int, *, spin_type: str = "cash", round_id: str = "r-1", reference_id: str = "") -> MoneyCall:
    return MoneyCall(
        aggregator=Aggregator(pk=1, code="acme"),
        kind="win",
        transaction_id="win-1",
        player_id="p-1",
        session_token="tok",
        currency="EUR",
        amount=amount,
        round_id=round_id,
        spin_type=spin_type,
        reference_id=reference_id,
    )


def answer(call: MoneyCall, *, rounds=(), records=(), risk: RiskLimits | None = LIMITS) -> str | int:
    """REFUSED, or what the credited win adds to the day's wins without a bet."""
    try:
        decision = decide(call, a_session(), A_WALLET, Known(list(records), list(rounds), risk))
    except WalletError as refusal:
        assert refusal.code == ErrorCode.RISK_LIMIT_EXCEEDED, refusal.message
        return REFUSED
    return decision.wins_without_bet


FREE_BET_ROUND = a_round(bet_total=0, external_id="r-free", pk=2)
STAKED_ROUND = a_round(bet_total=100, external_id="r-staked", pk=3)


@pytest.mark.parametrize(
    ("call", "rounds", "records", "risk", "expected"),
    [
        # Cash wins: at most max_win_multiple x the round's bets, its earlier wins included.
        pytest.param(win_of(1_000), [a_round(bet_total=100)], [], LIMITS, 0, id="cash win at 10x its bets"),
        pytest.param(win_of(1_001), [a_round(bet_total=100)], [], LIMITS, REFUSED, id="cash win above 10x"),
        pytest.param(
            win_of(101), [a_round(bet_total=100, win_total=900)], [], LIMITS, REFUSED, id="split win passing 10x"
        ),
        pytest.param(win_of(100), [a_round(bet_total=100, win_total=900)], [], LIMITS, 0, id="split win reaching 10x"),
        pytest.param(
            win_of(10**15), [a_round(bet_total=100)], [], LIMITS, REFUSED, id="a leaked credential's cash win"
        ),
        # Wins without a bet: each at most max_win_without_bet, and the day's total capped.
        pytest.param(win_of(500, spin_type="free"), [], [], LIMITS, 500, id="free win at the limit"),
        pytest.param(win_of(501, spin_type="free"), [], [], LIMITS, REFUSED, id="free win above the limit"),
        pytest.param(win_of(501, spin_type="promo"), [], [], LIMITS, REFUSED, id="promo win above the limit"),
        pytest.param(win_of(501, spin_type="tournament"), [], [], LIMITS, REFUSED, id="tournament win above"),
        pytest.param(win_of(10**15, spin_type="free"), [], [], LIMITS, REFUSED, id="a leaked credential's free win"),
        pytest.param(
            win_of(500, spin_type="free", round_id="r-staked"),
            [STAKED_ROUND],
            [],
            LIMITS,
            500,
            id="a free win in a staked round is still a win without a bet",
        ),
        pytest.param(
            win_of(300, spin_type="free"),
            [],
            [],
            RiskLimits(
                max_win_multiple=10, max_win_without_bet=500, daily_wins_without_bet=1_000, wins_without_bet_today=700
            ),
            300,
            id="free win filling the day exactly",
        ),
        pytest.param(
            win_of(301, spin_type="free"),
            [],
            [],
            RiskLimits(
                max_win_multiple=10, max_win_without_bet=500, daily_wins_without_bet=1_000, wins_without_bet_today=700
            ),
            REFUSED,
            id="free win passing the day's total",
        ),
        # Hub88: a win names its bet; the stake is that bet's round's.
        pytest.param(
            win_of(1_000, reference_id="bet-1", round_id=""),
            [STAKED_ROUND],
            [a_bet("bet-1", STAKED_ROUND)],
            LIMITS,
            0,
            id="a win at 10x the bet it names",
        ),
        pytest.param(
            win_of(1_001, reference_id="bet-1", round_id=""),
            [STAKED_ROUND],
            [a_bet("bet-1", STAKED_ROUND)],
            LIMITS,
            REFUSED,
            id="a win above 10x the bet it names",
        ),
        pytest.param(
            win_of(501, spin_type="free", reference_id="free-bet", round_id="r-free"),
            [FREE_BET_ROUND],
            [a_bet("free-bet", FREE_BET_ROUND)],
            LIMITS,
            REFUSED,
            id="a free win of a free bet is a win without a bet",
        ),
        pytest.param(
            win_of(500, spin_type="free", reference_id="free-bet", round_id="r-free"),
            [FREE_BET_ROUND],
            [a_bet("free-bet", FREE_BET_ROUND)],
            LIMITS,
            500,
            id="a free win of a free bet within the limit counts for the day",
        ),
        # No limit to keep: a win of nothing, or no limits given (demo play).
        pytest.param(win_of(0, spin_type="free"), [], [], LIMITS, 0, id="a free win of nothing"),
        pytest.param(win_of(10**15, spin_type="free"), [], [], None, 0, id="no limits (demo play)"),
    ],
)
def test_the_risk_rule_on_wins(call, rounds, records, risk, expected):
    assert answer(call, rounds=rounds, records=records, risk=risk) == expected


def test_a_refusal_says_which_limit_and_by_how_much():
    day = RiskLimits(
        max_win_multiple=10, max_win_without_bet=500, daily_wins_without_bet=1_000, wins_without_bet_today=900
    )

    with pytest.raises(WalletError) as refusal:
        decide(win_of(200, spin_type="free"), a_session(), A_WALLET, Known([], [], day))

    assert refusal.value.is_remembered
    assert "1000 minor units a day" in refusal.value.message and "900 so far today" in refusal.value.message

"""wallet.services.rules.decide as one table: call kind x what is known under the wallet lock.

Each row is a bet, a win or a rollback, the state calls.py would have read for it, and what
decide() answers: the outcome (APPLIED / NO_OP / TOMBSTONE, or the refusal's code), the amount
it posts on the wallet (None: no ledger transaction) and what it does to the round (opens a
new one with these counts, adds these counts to an existing one, or leaves it untouched).
No database: unsaved rows stand for what was read, as in the neighbouring tests.

Variants this table keeps to one row each are tested in detail elsewhere, without a database:
- tests/wallet/test_rules.py: a win naming its bet (Hub88) of another wallet or of demo play,
  in a closed round whatever round id it carries, of a zero or free bet; a native win against
  its round's counts;
- tests/wallet/test_risk_rules.py: the risk limits on wins (every row here reads none);
- tests/wallet/test_balance_room.py: the largest balance, credit by credit.
Resends (a call whose own id is known) never reach decide(): calls.py answers them first.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from casino.models import Mode, Player
from casino.money import MINOR_UNITS_MAX
from tests.wallet.test_rules import AGGREGATOR, OTHER_PLAYERS_WALLET, REAL_WALLET, bet, rollback_of, round_, session_on
from wallet.errors import ErrorCode, WalletError
from wallet.models import AggregatorTransaction, Wallet
from wallet.services.rules import Known, MoneyCall, SpinType, decide

Kind = AggregatorTransaction.Kind
Outcome = AggregatorTransaction.Outcome
APPLIED, NO_OP, TOMBSTONE = Outcome.APPLIED, Outcome.NO_OP, Outcome.TOMBSTONE
BLOCKED = Player.Status.BLOCKED
MAX = MINOR_UNITS_MAX


# --- The calls ---------------------------------------------------------------------------------


def _call(kind: str, transaction_id: str, amount: int | None, **fields) -> MoneyCall:
    return MoneyCall(
        aggregator=AGGREGATOR,
        kind=kind,
        transaction_id=transaction_id,
        player_id="player-1",
        session_token="token",
        amount=amount,
        **{"currency": "EUR", "round_id": "round-1", **fields},
    )


def a_bet(amount=100, *, id="bet-2", free=False, closes=False, **fields) -> MoneyCall:
    return _call(Kind.BET, id, amount, is_free=free, round_closed=closes, **fields)


def a_win(amount=500, *, of="", spin=SpinType.CASH, closes=False, **fields) -> MoneyCall:
    return _call(Kind.WIN, "win-1", amount, reference_id=of, spin_type=spin, round_closed=closes, **fields)


def a_rollback(*, of="bet-1", amount=None, closes=False, **fields) -> MoneyCall:
    return _call(Kind.ROLLBACK, "rb-2", amount, reference_id=of, round_closed=closes, **fields)


# --- What is known: the records and rounds read under the lock, and the session and wallet ------


@dataclass(frozen=True)
class Given:
    records: tuple = ()
    rounds: tuple = ()
    balance: int = 10_000
    player: str = Player.Status.ACTIVE
    expired: bool = False
    currency: str = "EUR"  # the session's


def nothing_known(**how) -> Given:
    return Given(**how)


def a_fresh_round(**how) -> Given:
    """Open, and no bet in it yet (a free spin's win opened it, say)."""
    return Given(rounds=(round_(1, "round-1", live_bets=0, bet_total=0),), **how)


def a_live_bet(amount=100, **how) -> Given:
    """bet-1 of `amount`, applied, in the open round-1."""
    the_round = round_(1, "round-1", bet_total=amount)
    return Given(records=(bet("bet-1", the_round, amount=amount),), rounds=(the_round,), **how)


def a_closed_round(**how) -> Given:
    closed = round_(1, "round-1", closed=True)
    return Given(records=(bet("bet-1", closed),), rounds=(closed,), **how)


def a_tombstone(**how) -> Given:
    """A rollback of bet-1 arrived before bet-1 did: remembered, and round-1 learned of it."""
    the_round = round_(1, "round-1", live_bets=0, bet_total=0, rolled_back=1)
    never_seen = bet("bet-1", the_round)
    return Given(records=(rollback_of(never_seen, outcome=TOMBSTONE),), rounds=(the_round,), **how)


def a_rolled_back_bet(**how) -> Given:
    the_round = round_(1, "round-1", live_bets=0, bet_total=0, rolled_back=1)
    the_bet = bet("bet-1", the_round)
    return Given(records=(the_bet, rollback_of(the_bet)), rounds=(the_round,), **how)


def a_refused_bet(**how) -> Given:
    """bet-1 was refused (remembered with its answer): a refusal opens no round."""
    refused = bet("bet-1", round_(1, "round-1"), outcome=Outcome.REFUSED, staked=False)
    refused.round_id = None
    return Given(records=(refused,), **how)


def anothers_round(**how) -> Given:
    """round-1 and its bet-1 are another player's."""
    theirs = round_(1, "round-1", wallet=OTHER_PLAYERS_WALLET)
    return Given(records=(bet("bet-1", theirs),), rounds=(theirs,), **how)


def a_free_bet(**how) -> Given:
    """bet-1 was a free bet of 500 (Hub88): recorded live, but it debited nothing."""
    the_round = round_(1, "round-1", bet_total=0)
    free = bet("bet-1", the_round, amount=500, staked=False, outcome=NO_OP, spin=SpinType.FREE)
    return Given(records=(free,), rounds=(the_round,), **how)


def a_zero_bet(**how) -> Given:
    the_round = round_(1, "round-1", bet_total=0)
    return Given(records=(bet("bet-1", the_round, amount=0, staked=False, outcome=NO_OP),), rounds=(the_round,), **how)


def a_rolled_back_free_bet(**how) -> Given:
    """bet-1 was a free bet, rolled back: that rollback refunded nothing, so it is a NO_OP."""
    the_round = round_(1, "round-1", live_bets=0, bet_total=0, rolled_back=1)
    free = bet("bet-1", the_round, amount=500, staked=False, outcome=NO_OP, spin=SpinType.FREE)
    return Given(records=(free, rollback_of(free, outcome=NO_OP)), rounds=(the_round,), **how)


def a_paid_win(**how) -> Given:
    """win-0 was paid in the open round-1 of bet-1."""
    the_round = round_(1, "round-1")
    paid = AggregatorTransaction(
        aggregator=AGGREGATOR, external_id="win-0", kind=Kind.WIN, wallet_id=REAL_WALLET.pk, round_id=1, amount=500
    )
    return Given(records=(bet("bet-1", the_round), paid), rounds=(the_round,), **how)


# --- What decide() does to the round -------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    live_bets: int = 0
    rolled_back: int = 0
    bet_total: int = 0
    win_total: int = 0
    closes: bool = False


def new_round(external_id="round-1", **counts):
    return ("opens", external_id, Counts(**counts))


def adds(**counts):
    return ("adds to", "round-1", Counts(**counts))


UNTOUCHED = ("leaves untouched", "round-1", None)


def round_effect(decision) -> tuple | None:
    round_, change = decision.round, decision.round_change
    if round_ is None:
        return None
    if round_.pk is None:  # a new round is written with its counts already set
        counts = Counts(round_.live_bets, round_.rolled_back_bets, round_.bet_total, round_.win_total, round_.is_closed)
        return ("opens", round_.external_id, counts)
    if change is None:
        return ("leaves untouched", round_.external_id, None)
    counts = Counts(change.live_bets, change.rolled_back_bets, change.bet_total, change.win_total, change.closes)
    return ("adds to", round_.external_id, counts)


def what_decide_does(call: MoneyCall, given: Given) -> tuple:
    """(outcome or refusal code, amount posted on the wallet or None, what it does to the round)."""
    wallet = Wallet(pk=REAL_WALLET.pk, currency_id="EUR", mode=Mode.REAL, balance=given.balance)
    session = session_on(wallet)
    session.currency_id = given.currency
    session.player.status = given.player
    if given.expired:
        session.expires_at = timezone.now() - timedelta(seconds=1)
    try:
        decision = decide(call, session, wallet, Known(list(given.records), list(given.rounds)))
    except WalletError as refusal:
        return refusal.code, None, None
    return decision.outcome, decision.posting.amount if decision.posting else None, round_effect(decision)


def row(call, given, outcome, posting, round_, id, **kw):
    return pytest.param(call, given, outcome, posting, round_, id=id, **kw)


def refused(call, given, code, id, **kw):
    return pytest.param(call, given, code, None, None, id=id, **kw)


TABLE = [
    # --- Bets: bet-2 of 100 in round-1 (an existing round-1 holds bet-1) -------------------------
    row(a_bet(), nothing_known(), APPLIED, -100, new_round(live_bets=1, bet_total=100),
        id="a bet in a round never seen opens it and debits the stake"),
    row(a_bet(round_id=""), nothing_known(), APPLIED, -100, new_round("tx:bet-2", live_bets=1, bet_total=100),
        id="a bet naming no round gets a round of its own"),
    row(a_bet(closes=True), nothing_known(), APPLIED, -100, new_round(live_bets=1, bet_total=100, closes=True),
        id="a bet that settles its spin at once opens its round closed"),
    row(a_bet(), a_fresh_round(), APPLIED, -100, adds(live_bets=1, bet_total=100),
        id="a bet in an open round with no bet yet adds its stake to it"),
    row(a_bet(), a_live_bet(), APPLIED, -100, adds(live_bets=1, bet_total=100),
        id="a second bet in an open round adds its stake to it"),
    row(a_bet(closes=True), a_live_bet(), APPLIED, -100, adds(live_bets=1, bet_total=100, closes=True),
        id="a bet may close its open round"),
    refused(a_bet(), a_closed_round(), ErrorCode.ROUND_CLOSED,
            id="a bet in a closed round is refused"),
    refused(a_bet(id="bet-1"), a_tombstone(), ErrorCode.TRANSACTION_ROLLED_BACK,
            id="a bet whose rollback arrived first is refused as rolled back"),
    refused(a_bet(id="bet-1"), nothing_known(records=a_tombstone().records), ErrorCode.TRANSACTION_ROLLED_BACK,
            id="a bet whose rollback arrived first is refused even when that rollback named no round"),
    row(a_bet(), a_tombstone(), APPLIED, -100, adds(live_bets=1, bet_total=100),
        id="another bet in the round of a bet rolled back before it arrived is taken"),
    row(a_bet(), a_rolled_back_bet(), APPLIED, -100, adds(live_bets=1, bet_total=100),
        id="a new bet in a round whose bet was rolled back is taken"),
    row(a_bet(), a_refused_bet(), APPLIED, -100, new_round(live_bets=1, bet_total=100),
        id="a bet after a refused bet opens the round the refusal did not"),
    refused(a_bet(), anothers_round(), ErrorCode.VALIDATION_ERROR,
            id="a bet in another players round is a validation error"),
    refused(a_bet(), nothing_known(expired=True), ErrorCode.SESSION_EXPIRED,
            id="a bet on an expired session is refused"),
    refused(a_bet(), nothing_known(expired=True, player=BLOCKED, currency="USD"), ErrorCode.SESSION_EXPIRED,
            id="a bet on an expired session says so before anything else"),
    refused(a_bet(), a_live_bet(player=BLOCKED), ErrorCode.PLAYER_BLOCKED,
            id="a bet of a blocked player is refused"),
    refused(a_bet(), nothing_known(currency="USD"), ErrorCode.CURRENCY_MISMATCH,
            id="a bet in another currency than the sessions is refused"),
    refused(a_bet(), nothing_known(balance=99), ErrorCode.INSUFFICIENT_FUNDS,
            id="a bet above the balance is refused"),
    row(a_bet(), nothing_known(balance=100), APPLIED, -100, new_round(live_bets=1, bet_total=100),
        id="a bet of the whole balance is taken"),
    row(a_bet(500, free=True), nothing_known(balance=0), NO_OP, None, new_round(live_bets=1),
        id="a free bet debits nothing and counts as a live bet that staked nothing"),
    row(a_bet(0), nothing_known(), NO_OP, None, new_round(live_bets=1),
        id="a zero bet debits nothing and counts as a live bet that staked nothing"),
    row(a_bet(), nothing_known(balance=MAX), APPLIED, -100, new_round(live_bets=1, bet_total=100),
        id="a bet from the largest balance a wallet holds is taken"),
    # --- Wins: win-1 of 500 in round-1, cash unless said ---------------------------------------
    refused(a_win(), nothing_known(), ErrorCode.TRANSACTION_NOT_FOUND,
            id="a cash win in a round never seen has no bet to pay it"),
    refused(a_win(round_id=""), nothing_known(), ErrorCode.TRANSACTION_NOT_FOUND,
            id="a cash win naming neither round nor bet has no bet to pay it"),
    refused(a_win(), a_fresh_round(), ErrorCode.TRANSACTION_NOT_FOUND,
            id="a cash win in a round with no bet is refused"),
    row(a_win(), a_live_bet(), APPLIED, 500, adds(win_total=500),
        id="a cash win in the open round of a live bet is paid"),
    row(a_win(closes=True), a_live_bet(), APPLIED, 500, adds(win_total=500, closes=True),
        id="a cash win may close its round"),
    row(a_win(of="bet-1", round_id=""), a_live_bet(), APPLIED, 500, adds(win_total=500),
        id="a win naming its bet is paid in the bets round"),
    refused(a_win(), a_closed_round(), ErrorCode.ROUND_CLOSED,
            id="a win in a closed round is refused"),
    refused(a_win(spin=SpinType.FREE), a_closed_round(), ErrorCode.ROUND_CLOSED,
            id="a free win in a closed round is refused too"),
    refused(a_win(), a_tombstone(), ErrorCode.TRANSACTION_ROLLED_BACK,
            id="a cash win in the round of a bet rolled back before it arrived is refused as rolled back"),
    refused(a_win(of="bet-1"), a_tombstone(), ErrorCode.TRANSACTION_ROLLED_BACK,
            id="a win naming a bet rolled back before it arrived is refused as rolled back"),
    refused(a_win(), a_rolled_back_bet(), ErrorCode.TRANSACTION_ROLLED_BACK,
            id="a cash win in a round whose only bet was rolled back is refused as rolled back"),
    refused(a_win(of="bet-1"), a_rolled_back_bet(), ErrorCode.TRANSACTION_ROLLED_BACK,
            id="a win naming a rolled back bet is refused as rolled back"),
    refused(a_win(of="bet-1"), a_refused_bet(), ErrorCode.TRANSACTION_NOT_FOUND,
            id="a win naming a refused bet has no bet to pay it"),
    refused(a_win(), anothers_round(), ErrorCode.VALIDATION_ERROR,
            id="a win in another players round is a validation error"),
    refused(a_win(of="bet-1", round_id=""), anothers_round(), ErrorCode.TRANSACTION_NOT_FOUND,
            id="a win naming another players bet has no bet of this wallet to pay it"),
    row(a_win(), a_live_bet(expired=True), APPLIED, 500, adds(win_total=500),
        id="a win is paid after its session expired"),
    row(a_win(), a_live_bet(player=BLOCKED), APPLIED, 500, adds(win_total=500),
        id="a win is paid to a player blocked mid round"),
    refused(a_win(), a_live_bet(currency="USD"), ErrorCode.CURRENCY_MISMATCH,
            id="a win in another currency than the sessions is refused"),
    row(a_win(), a_live_bet(balance=0), APPLIED, 500, adds(win_total=500),
        id="a win is paid into an empty wallet"),
    refused(a_win(), a_free_bet(), ErrorCode.TRANSACTION_NOT_FOUND,
            id="a cash win in a round whose only bet was free is refused"),
    row(a_win(of="bet-1", spin=SpinType.FREE), a_free_bet(), APPLIED, 500, adds(win_total=500),
        id="a free win naming its free bet is paid"),
    row(a_win(0, closes=True), a_live_bet(), NO_OP, None, adds(closes=True),
        id="a zero win closes its round and moves nothing"),
    refused(a_win(0), nothing_known(), ErrorCode.TRANSACTION_NOT_FOUND,
            id="a zero cash win still needs a bet in its round"),
    row(a_win(0, spin=SpinType.FREE), nothing_known(), NO_OP, None, new_round(),
        id="a zero free win opens its round and moves nothing"),
    row(a_win(spin=SpinType.FREE), nothing_known(), APPLIED, 500, new_round(win_total=500),
        id="a free win without a bet is paid and opens its round"),
    row(a_win(spin=SpinType.PROMO), a_fresh_round(), APPLIED, 500, adds(win_total=500),
        id="a promo win without a bet is paid in its open round"),
    row(a_win(spin=SpinType.TOURNAMENT, round_id=""), nothing_known(), APPLIED, 500,
        new_round("tx:win-1", win_total=500),
        id="a tournament win naming no round is paid in a round of its own"),
    row(a_win(spin=SpinType.FREE), a_tombstone(), APPLIED, 500, adds(win_total=500),
        id="a free win is paid even in the round of a bet rolled back before it arrived"),
    row(a_win(), a_live_bet(balance=MAX - 500), APPLIED, 500, adds(win_total=500),
        id="a win bringing the balance to the largest a wallet holds is paid"),
    refused(a_win(), a_live_bet(balance=MAX - 499), ErrorCode.VALIDATION_ERROR,
            id="a win past the largest balance a wallet holds is a validation error"),
    refused(a_win(of="bet-1", spin=SpinType.FREE), a_rolled_back_free_bet(), ErrorCode.TRANSACTION_ROLLED_BACK,
            id="a free win naming a rolled back free bet is refused as rolled back"),
    # --- Rollbacks: rb-2 of bet-1 (100 unless said), naming round-1 ------------------------------
    row(a_rollback(), nothing_known(), TOMBSTONE, None, new_round(rolled_back=1),
        id="a rollback of a bet never seen is remembered and opens its round to say so"),
    row(a_rollback(round_id=""), nothing_known(), TOMBSTONE, None, None,
        id="a rollback of a bet never seen naming no round is remembered alone"),
    row(a_rollback(), a_fresh_round(), TOMBSTONE, None, adds(rolled_back=1),
        id="a rollback of a bet never seen tells its open round"),
    row(a_rollback(of="bet-9"), a_closed_round(), TOMBSTONE, None, UNTOUCHED,
        id="a rollback of a bet never seen leaves its closed round as it is"),
    row(a_rollback(), a_live_bet(), APPLIED, 100, adds(live_bets=-1, rolled_back=1, bet_total=-100),
        id="a rollback of a live bet refunds it and takes it out of its round"),
    row(a_rollback(amount=100), a_live_bet(), APPLIED, 100, adds(live_bets=-1, rolled_back=1, bet_total=-100),
        id="a rollback carrying the bets amount refunds it"),
    row(a_rollback(closes=True), a_live_bet(), APPLIED, 100,
        adds(live_bets=-1, rolled_back=1, bet_total=-100, closes=True),
        id="a rollback may close its round"),
    row(a_rollback(), a_paid_win(), APPLIED, 100, adds(live_bets=-1, rolled_back=1, bet_total=-100),
        id="a rollback of a bet whose round is still open refunds it even after a win"),
    refused(a_rollback(), a_closed_round(), ErrorCode.TRANSACTION_ALREADY_SETTLED,
            id="a rollback of a bet in a closed round is refused as settled"),
    row(a_rollback(), a_tombstone(), TOMBSTONE, None, adds(rolled_back=1),
        id="a second rollback of a bet never seen is remembered too"),
    row(a_rollback(), a_rolled_back_bet(), NO_OP, None, UNTOUCHED,
        id="a rollback of a bet already rolled back moves nothing"),
    row(a_rollback(), a_refused_bet(), NO_OP, None, None,
        id="a rollback of a refused bet moves nothing"),
    row(a_rollback(amount=5), a_refused_bet(), NO_OP, None, None,
        id="a rollback of a refused bet moves nothing whatever amount it carries"),
    refused(a_rollback(), anothers_round(), ErrorCode.VALIDATION_ERROR,
            id="a rollback of another players bet is a validation error"),
    refused(a_rollback(of="bet-9"), anothers_round(), ErrorCode.VALIDATION_ERROR,
            id="a rollback of a bet never seen naming another players round is a validation error"),
    row(a_rollback(), a_live_bet(expired=True), APPLIED, 100, adds(live_bets=-1, rolled_back=1, bet_total=-100),
        id="a rollback is refunded after its session expired"),
    row(a_rollback(), a_live_bet(player=BLOCKED), APPLIED, 100, adds(live_bets=-1, rolled_back=1, bet_total=-100),
        id="a rollback is refunded to a blocked player"),
    refused(a_rollback(), a_live_bet(currency="USD"), ErrorCode.CURRENCY_MISMATCH,
            id="a rollback in another currency than the sessions is refused"),
    row(a_rollback(), a_live_bet(balance=0), APPLIED, 100, adds(live_bets=-1, rolled_back=1, bet_total=-100),
        id="a rollback is refunded into an empty wallet"),
    row(a_rollback(), a_free_bet(), NO_OP, None, adds(live_bets=-1, rolled_back=1),
        id="a rollback of a free bet refunds nothing and takes it out of its round"),
    row(a_rollback(), a_zero_bet(), NO_OP, None, adds(live_bets=-1, rolled_back=1),
        id="a rollback of a zero bet refunds nothing and takes it out of its round"),
    refused(a_rollback(amount=99), a_live_bet(), ErrorCode.VALIDATION_ERROR,
            id="a rollback carrying another amount than the bets is a validation error"),
    refused(a_rollback(amount=0), a_free_bet(), ErrorCode.VALIDATION_ERROR,
            id="a rollback of a free bet must carry the bets amount though it refunds nothing"),
    refused(a_rollback(of="win-0"), a_paid_win(), ErrorCode.TRANSACTION_ALREADY_SETTLED,
            id="a rollback of a win is refused as settled"),
    refused(a_rollback(of="rb-bet-1"), a_rolled_back_bet(), ErrorCode.TRANSACTION_ALREADY_SETTLED,
            id="a rollback of a rollback is refused as settled"),
    row(a_rollback(), a_live_bet(balance=MAX - 100), APPLIED, 100, adds(live_bets=-1, rolled_back=1, bet_total=-100),
        id="a refund bringing the balance to the largest a wallet holds is made"),
    refused(a_rollback(), a_live_bet(balance=MAX - 99), ErrorCode.VALIDATION_ERROR,
            id="a refund past the largest balance a wallet holds is a validation error"),
    row(a_rollback(), a_rolled_back_free_bet(), NO_OP, None, UNTOUCHED,
        id="a second rollback of a rolled back free bet moves nothing and leaves its round"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "given", "outcome", "posting", "round_"), TABLE)
def test_what_a_money_call_decides_in_each_known_state(call, given, outcome, posting, round_):
    assert what_decide_does(call, given) == (outcome, posting, round_)

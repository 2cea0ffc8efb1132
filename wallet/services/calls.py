"""Aggregators' money calls (bet, win, rollback) and balance reads, whatever the protocol.

Each call is one short transaction on the player's wallet row (wallet/locks.py): find what is
already known of the transaction, apply the rules of its kind, write the ledger through
ledger.post_transaction, record the call with its answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from casino.models import Player
from games.models import Aggregator, GameSession, Mode
from wallet import rows
from wallet.errors import ErrorCode, RetryLater, WalletError
from wallet.locks import find_session, lock_session_wallet
from wallet.models import (
    AggregatorTransaction,
    GameRound,
    LedgerTransaction,
    Wallet,
)
from wallet.services.ledger import game_account_key, post_transaction

logger = logging.getLogger(__name__)

Kind = AggregatorTransaction.Kind
Outcome = AggregatorTransaction.Outcome


class SpinType:
    CASH = "cash"
    FREE = "free"
    PROMO = "promo"
    TOURNAMENT = "tournament"
    ALL = (CASH, FREE, PROMO, TOURNAMENT)
    # Wins of these spins need no bet in their round: the aggregator or a promotion pays them.
    WITHOUT_BET = frozenset({FREE, PROMO, TOURNAMENT})


@dataclass(frozen=True, kw_only=True)
class MoneyCall:
    """A bet, win or rollback as any protocol hands it to the wallet, already parsed."""

    aggregator: Aggregator
    kind: str
    transaction_id: str
    player_id: str
    session_token: str
    currency: str
    amount: int | None
    round_id: str = ""
    game_code: str = ""
    spin_type: str = SpinType.CASH
    round_closed: bool = False
    # Rollback: the transaction it cancels. Win: its bet, for protocols that name it (Hub88).
    reference_id: str = ""
    # When True (protocols whose free bets are paid by the aggregator) a bet debits nothing.
    is_free: bool = False

    def content(self) -> dict:
        """The fields a resend must repeat exactly (round_closed is deliberately not one)."""
        return {
            "kind": self.kind,
            "player_id": self.player_id,
            "session_token": self.session_token,
            "amount": self.amount,
            "currency": self.currency,
            "round_id": self.round_id,
            "game_code": self.game_code,
            "spin_type": self.spin_type,
            "reference_id": self.reference_id,
        }


@dataclass(frozen=True)
class CallAnswer:
    """What we answered, protocol-neutral; a resend gets the same answer back."""

    code: str  # "OK" or an ErrorCode
    balance: int | None
    currency: str
    message: str = ""
    wallet_transaction_id: str = ""
    replayed: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == "OK"

    @classmethod
    def from_record(cls, record: AggregatorTransaction, *, replayed: bool) -> CallAnswer:
        return cls(
            code=record.result_code,
            balance=record.balance,
            currency=record.request["currency"],
            message=record.message,
            wallet_transaction_id=str(record.pk),
            replayed=replayed,
        )


# --- Aggregator money calls ----------------------------------------------------------------


def wallet_process_call(*, call: MoneyCall) -> CallAnswer:
    """Apply an aggregator's bet, win or rollback exactly once and return the answer.

    Locks the session's wallet row. Keeps: the balance never goes negative; a transaction id
    is applied at most once (a resend with the same content gets the first answer, with other
    content DUPLICATE_TRANSACTION); refusals for business reasons are remembered.
    Raises WalletError for answers that are not remembered (unknown player or session,
    invalid input, conflicts) and RetryLater when the database cannot serve us in time.
    """
    try:
        try:
            return _process_locked(call)
        except IntegrityError:
            # Two first deliveries of one transaction id raced past the lookup: the loser's
            # insert hit the unique key. The winner has committed, so this time we find its
            # record and answer as a resend.
            return _process_locked(call)
    except WalletError:
        raise
    except DatabaseError as exc:  # lock timeout, connection lost, serialisation failure
        logger.warning("wallet call %s %s: retryable database error: %s", call.kind, call.transaction_id, exc)
        raise RetryLater() from exc


def wallet_balance(*, aggregator: Aggregator, player_id: str, session_token: str, currency: str) -> CallAnswer:
    """The session's wallet balance (a read: no lock, no record). Expired sessions may still ask."""
    probe = MoneyCall(
        aggregator=aggregator,
        kind="balance",
        transaction_id="",
        player_id=player_id,
        session_token=session_token,
        currency=currency,
        amount=None,
    )
    try:
        session = _find_session(probe)
    except DatabaseError as exc:
        raise RetryLater() from exc
    if currency != session.currency_id:
        raise WalletError(
            ErrorCode.CURRENCY_MISMATCH,
            f"session currency is {session.currency_id}",
            balance=session.wallet.balance,
            currency=session.currency_id,
        )
    return CallAnswer(code="OK", balance=session.wallet.balance, currency=session.currency_id)


def _find_session(call: MoneyCall) -> GameSession:
    session = find_session(token=call.session_token, aggregator_id=call.aggregator.pk)
    if session is not None and session.player.external_id == call.player_id:
        return session
    raise _session_not_found(call)


def _session_not_found(call: MoneyCall) -> WalletError:
    """PLAYER_NOT_FOUND or SESSION_NOT_FOUND, with the player's balance when there is one."""
    player = Player.objects.filter(external_id=call.player_id).first()
    if player is None:
        return WalletError(ErrorCode.PLAYER_NOT_FOUND, f"no player {call.player_id!r}")
    wallet = Wallet.objects.filter(player=player, currency_id=call.currency, mode=Mode.REAL).first()
    return WalletError(
        ErrorCode.SESSION_NOT_FOUND,
        "no such session for this player",
        balance=wallet.balance if wallet else None,
        currency=call.currency if wallet else None,
    )


def _process_locked(call: MoneyCall) -> CallAnswer:
    with transaction.atomic(durable=True):
        session = lock_session_wallet(token=call.session_token, aggregator_id=call.aggregator.pk)
        if session is None or session.player.external_id != call.player_id:
            raise _session_not_found(call)
        wallet = session.wallet
        known = _Known(call)
        existing = known.record(call.transaction_id)
        if existing is not None:
            return _answer_resend(existing, call, wallet)

        handler = {Kind.BET: _bet, Kind.WIN: _win, Kind.ROLLBACK: _rollback}[call.kind]
        try:
            result = handler(call, session, wallet, known)
        except WalletError as refusal:
            if not refusal.is_remembered:
                # The wallet is known here, so even an answer we do not remember (a 400 for a
                # rollback amount or another player's round) carries the balance (PRODUCT.md).
                if refusal.balance is None:
                    refusal.balance, refusal.currency = wallet.balance, wallet.currency_id
                raise
            result = _Result(outcome=Outcome.REFUSED, code=refusal.code, message=refusal.message)

        record = rows.insert(
            AggregatorTransaction(
                aggregator=call.aggregator,
                external_id=call.transaction_id,
                kind=call.kind,
                mode=session.mode,
                wallet=wallet,
                session=session,
                round=result.round,
                amount=call.amount,
                game_code=call.game_code,
                spin_type=call.spin_type,
                round_closed=call.round_closed,
                reference_id=call.reference_id,
                request=call.content(),
                outcome=result.outcome,
                result_code=result.code,
                balance=wallet.balance,
                message=result.message,
                ledger_transaction=result.ledger_transaction,
            )
        )
    return CallAnswer.from_record(record, replayed=False)


def _answer_resend(existing: AggregatorTransaction, call: MoneyCall, wallet: Wallet) -> CallAnswer:
    if existing.request != call.content():
        raise WalletError(
            ErrorCode.DUPLICATE_TRANSACTION,
            f"transaction {call.transaction_id!r} was already received with other content",
            balance=wallet.balance,
            currency=wallet.currency_id,
        )
    return CallAnswer.from_record(existing, replayed=True)


class _Known:
    """The records a call must know about, read in one query under the wallet lock: its own
    (when it is a resend), the transaction it names (rollbacks; some protocols' wins), and the
    rollbacks that name either of them."""

    def __init__(self, call: MoneyCall):
        ids = [i for i in dict.fromkeys((call.transaction_id, call.reference_id)) if i]
        # Written out (wallet/rows.py): it runs on every money call, and compiling the queryset
        # cost more CPU than running it. Each arm is served by an index
        # (aggregator_transaction_id_unique, aggtxn_reference).
        among = ", ".join(["%s"] * len(ids))
        found = rows.select(
            f"SELECT {rows.columns(AggregatorTransaction, 't')} FROM wallet_aggregatortransaction t"  # noqa: S608
            " WHERE t.aggregator_id = %s"
            f" AND (t.external_id IN ({among}) OR (t.kind = 'rollback' AND t.reference_id IN ({among})))",
            [call.aggregator.pk, *ids, *ids],
            (AggregatorTransaction, "t"),
        )
        self.records = [record for (record,) in found]

    def record(self, external_id: str) -> AggregatorTransaction | None:
        return next((r for r in self.records if r.external_id == external_id), None)

    def _rollbacks_of(self, external_id: str, outcome: str) -> bool:
        return any(
            r.kind == Kind.ROLLBACK and r.reference_id == external_id and r.outcome == outcome for r in self.records
        )

    def tombstone(self, external_id: str) -> bool:
        """A rollback of this transaction arrived before it did."""
        return self._rollbacks_of(external_id, Outcome.TOMBSTONE)

    def rolled_back(self, bet: AggregatorTransaction) -> bool:
        return self._rollbacks_of(bet.external_id, Outcome.APPLIED)


@dataclass
class _Result:
    outcome: str
    code: str = "OK"
    message: str = ""
    round: GameRound | None = None
    ledger_transaction: LedgerTransaction | None = None


def _refuse(code: ErrorCode, message: str) -> WalletError:
    return WalletError(code, message)


def _bet(call: MoneyCall, session: GameSession, wallet: Wallet, known: _Known) -> _Result:
    if session.is_expired:
        raise _refuse(ErrorCode.SESSION_EXPIRED, "the session has expired")
    _check_currency(call, session)
    player = session.player
    if player.status == Player.Status.BLOCKED:
        raise _refuse(ErrorCode.PLAYER_BLOCKED, "the player is blocked")
    if player.status == Player.Status.SELF_EXCLUDED:
        raise _refuse(ErrorCode.RG_BLOCKED, "the player is self-excluded")
    if known.tombstone(call.transaction_id):
        raise _refuse(ErrorCode.TRANSACTION_ROLLED_BACK, "this bet was rolled back before it arrived")
    round_ = _find_round(call, wallet)
    if round_ is not None and round_.is_closed:
        raise _refuse(ErrorCode.ROUND_CLOSED, f"round {call.round_id!r} is closed")
    debit = 0 if call.is_free else call.amount
    if wallet.balance < debit:
        raise _refuse(ErrorCode.INSUFFICIENT_FUNDS, "insufficient funds")

    if round_ is None:
        round_ = _open_round(call, session, wallet, closes=call.round_closed, live_bets=1, bet_total=debit)
    else:
        _update_round(round_, closes=call.round_closed, live_bets=+1, rolled_back_bets=0, bet_total=+debit)
    ledger = None
    if debit:
        ledger = post_transaction(
            kind=LedgerTransaction.Kind.BET,
            wallet=wallet,
            counter=game_account_key(call.aggregator, wallet),
            amount=-debit,
            aggregator=call.aggregator,
            round_=round_,
            reference=call.transaction_id,
        )
    return _Result(outcome=Outcome.APPLIED if ledger else Outcome.NO_OP, round=round_, ledger_transaction=ledger)


def _win(call: MoneyCall, session: GameSession, wallet: Wallet, known: _Known) -> _Result:
    # No expiry check: a win of a round begun in time is owed to the player whenever it comes.
    _check_currency(call, session)
    round_ = _find_round(call, wallet)
    if round_ is not None and round_.is_closed:
        raise _refuse(ErrorCode.ROUND_CLOSED, f"round {call.round_id!r} is closed")
    if call.reference_id:
        _check_win_reference(call, known)
    elif call.spin_type not in SpinType.WITHOUT_BET:
        if round_ is None or round_.live_bets == 0:
            if round_ is not None and round_.rolled_back_bets:
                raise _refuse(ErrorCode.TRANSACTION_ROLLED_BACK, "the round's bet was rolled back")
            raise _refuse(ErrorCode.TRANSACTION_NOT_FOUND, "no bet in this round")

    if round_ is None:
        round_ = _open_round(call, session, wallet, closes=call.round_closed, win_total=call.amount or 0)
    else:
        _update_round(round_, closes=call.round_closed, live_bets=0, rolled_back_bets=0, win_total=call.amount or 0)
    ledger = None
    if call.amount:
        ledger = post_transaction(
            kind=LedgerTransaction.Kind.WIN,
            wallet=wallet,
            counter=game_account_key(call.aggregator, wallet),
            amount=call.amount,
            aggregator=call.aggregator,
            round_=round_,
            reference=call.transaction_id,
        )
    return _Result(outcome=Outcome.APPLIED if ledger else Outcome.NO_OP, round=round_, ledger_transaction=ledger)


def _check_win_reference(call: MoneyCall, known: _Known) -> None:
    bet = known.record(call.reference_id)
    if bet is None:
        if known.tombstone(call.reference_id):
            raise _refuse(ErrorCode.TRANSACTION_ROLLED_BACK, "the bet was rolled back")
        raise _refuse(ErrorCode.TRANSACTION_NOT_FOUND, f"no bet {call.reference_id!r}")
    if bet.kind != Kind.BET or bet.outcome == Outcome.REFUSED:
        raise _refuse(ErrorCode.TRANSACTION_NOT_FOUND, f"no accepted bet {call.reference_id!r}")
    if known.rolled_back(bet):
        raise _refuse(ErrorCode.TRANSACTION_ROLLED_BACK, "the bet was rolled back")


def _rollback(call: MoneyCall, session: GameSession, wallet: Wallet, known: _Known) -> _Result:
    # No expiry check either: the aggregator must be able to cancel a bet it is unsure of.
    _check_currency(call, session)
    target = known.record(call.reference_id)
    if target is None:
        # A rollback overtook its bet (or the bet never reached us). Remember it: the bet, if
        # it comes, is refused. The round learns of it, so a win in it is refused as well.
        round_ = _find_round(call, wallet)
        if round_ is None and call.round_id:
            round_ = _open_round(call, session, wallet, closes=call.round_closed, rolled_back_bets=1)
        elif round_ is not None and not round_.is_closed:
            _update_round(round_, closes=call.round_closed, live_bets=0, rolled_back_bets=+1)
        return _Result(outcome=Outcome.TOMBSTONE, round=round_, message="bet not seen; remembered as rolled back")
    if target.kind != Kind.BET:
        raise _refuse(
            ErrorCode.TRANSACTION_ALREADY_SETTLED, f"{target.kind} {target.external_id!r} cannot be rolled back"
        )
    if target.wallet_id != wallet.pk:
        raise WalletError(ErrorCode.VALIDATION_ERROR, "the transaction belongs to another player or wallet")
    if target.outcome == Outcome.REFUSED:
        return _Result(outcome=Outcome.NO_OP, round=target.round, message="the bet was refused; nothing to roll back")
    if known.rolled_back(target):
        return _Result(outcome=Outcome.NO_OP, round=target.round, message="the bet was already rolled back")
    if call.amount is not None and call.amount != target.amount:
        raise WalletError(ErrorCode.VALIDATION_ERROR, f"amount must equal the bet's ({target.amount})")
    round_ = target.round
    if round_ is not None and round_.is_closed:
        raise _refuse(ErrorCode.TRANSACTION_ALREADY_SETTLED, "the bet's round is closed")

    ledger = None
    refund = target.amount if target.ledger_transaction_id else 0  # a free bet debited nothing
    if refund:
        ledger = post_transaction(
            kind=LedgerTransaction.Kind.ROLLBACK,
            wallet=wallet,
            counter=game_account_key(call.aggregator, wallet),
            amount=refund,
            aggregator=call.aggregator,
            round_=round_,
            reference=call.transaction_id,
            memo=f"rollback of {target.external_id}",
        )
    if round_ is not None:
        _update_round(round_, closes=call.round_closed, live_bets=-1, rolled_back_bets=+1, bet_total=-refund)
    return _Result(outcome=Outcome.APPLIED if ledger else Outcome.NO_OP, round=round_, ledger_transaction=ledger)


def _check_currency(call: MoneyCall, session: GameSession) -> None:
    if call.currency != session.currency_id:
        raise _refuse(ErrorCode.CURRENCY_MISMATCH, f"the session's currency is {session.currency_id}")


def _find_round(call: MoneyCall, wallet: Wallet) -> GameRound | None:
    if not call.round_id:
        return None
    # Written out for the same reason as _Known's lookup.
    found = rows.select(
        f"SELECT {rows.columns(GameRound, 'r')} FROM wallet_gameround r"  # noqa: S608
        " WHERE r.aggregator_id = %s AND r.external_id = %s",
        [call.aggregator.pk, call.round_id],
        (GameRound, "r"),
    )
    round_ = found[0][0] if found else None
    if round_ is not None and round_.wallet_id != wallet.pk:
        raise WalletError(ErrorCode.VALIDATION_ERROR, f"round {call.round_id!r} belongs to another player or wallet")
    return round_


def _open_round(
    call: MoneyCall,
    session: GameSession,
    wallet: Wallet,
    *,
    closes: bool,
    live_bets: int = 0,
    rolled_back_bets: int = 0,
    bet_total: int = 0,
    win_total: int = 0,
) -> GameRound:
    """A new round, created with the counts of the call that opens it (one INSERT, no UPDATE)."""
    # Safe without a lock of its own: rounds are only created under their wallet's lock.
    round_ = GameRound(
        aggregator=call.aggregator,
        external_id=call.round_id or f"tx:{call.transaction_id}",
        wallet=wallet,
        session=session,
        game_code=call.game_code,
        status=GameRound.Status.CLOSED if closes else GameRound.Status.OPEN,
        closed_at=timezone.now() if closes else None,
        live_bets=live_bets,
        rolled_back_bets=rolled_back_bets,
        bet_total=bet_total,
        win_total=win_total,
    )
    return rows.insert(round_)


def _update_round(
    round_: GameRound, *, closes: bool, live_bets: int, rolled_back_bets: int, bet_total: int = 0, win_total: int = 0
) -> None:
    changes = {
        "live_bets": F("live_bets") + live_bets,
        "rolled_back_bets": F("rolled_back_bets") + rolled_back_bets,
        "bet_total": F("bet_total") + bet_total,
        "win_total": F("win_total") + win_total,
        "last_activity_at": timezone.now(),
    }
    if closes:
        changes.update(status=GameRound.Status.CLOSED, closed_at=timezone.now())
        round_.status = GameRound.Status.CLOSED
    GameRound.objects.filter(pk=round_.pk).update(**changes)

"""Aggregators' money calls (bet, win, rollback) and balance reads, whatever the protocol.

Each call is one short transaction on the player's wallet row: lock it and read what is
already known of the transaction and its round (one round trip, wallet/locks.py), decide by the
wallet's rules (rules.py), write the decision and the call's record with its answer (one
statement, writes.py). A win is also checked against its aggregator's risk limits (risk.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from casino import metrics, responsible_gaming
from casino.metrics import LEDGER_POSTINGS, WALLET_LOCK_RETRIES
from casino.models import Aggregator, GameSession, Mode, Player
from casino.responsible_gaming import ResponsibleGaming, RgRefusal
from wallet import rows
from wallet.errors import ErrorCode, RetryLater, WalletError
from wallet.locks import find_session, lock_session_wallet
from wallet.models import AggregatorTransaction, GameRound, Wallet
from wallet.partitions import near_month_turn
from wallet.services.bonus import bonus_balance, bonus_count_wager, bonus_read_locked
from wallet.services.fx import fx_quote_read
from wallet.services.jackpots import (
    jackpot_contributions_post,
    jackpot_contributions_reverse,
    jackpots_of_game,
    jackpots_with_pool_locked,
)
from wallet.services.ledger import write_posting
from wallet.services.risk import risk_alert_on_commit, risk_count_win_without_bet, risk_limits_read
from wallet.services.rules import Decision, JackpotTerms, Known, MoneyCall, SpinType, decide
from wallet.services.writes import write_call

__all__ = ["CallAnswer", "MoneyCall", "SpinType", "wallet_balance", "wallet_process_call"]

logger = logging.getLogger(__name__)

Outcome = AggregatorTransaction.Outcome


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
    rg_reason: str = ""  # RG_BLOCKED only: why (casino.responsible_gaming.RgReason)

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
            rg_reason=record.rg_reason,
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
            answer, posted_kind = _process_locked(call)
        except IntegrityError:
            # Two first deliveries of one transaction id raced past the lookup: the loser's
            # insert hit the unique key. The winner has committed, so this time we find its
            # record and answer as a resend.
            answer, posted_kind = _process_locked(call)
    except WalletError:
        raise
    except DatabaseError as exc:  # lock timeout, connection lost, serialisation failure
        logger.warning("wallet call %s %s: retryable database error: %s", call.kind, call.transaction_id, exc)
        WALLET_LOCK_RETRIES.labels(aggregator=call.aggregator.code).inc()
        raise RetryLater() from exc
    if posted_kind and metrics.ENABLED:  # committed: counted once, never for a resend
        LEDGER_POSTINGS.labels(kind=posted_kind[0], mode=posted_kind[1]).inc()
    return answer


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
        session, wallet = _find_session(probe)
    except DatabaseError as exc:
        raise RetryLater() from exc
    if currency != session.currency_id:
        return _balance_converted(probe, wallet)
    bonus = bonus_balance(wallet=wallet) if wallet.has_bonus else 0
    return CallAnswer(code="OK", balance=wallet.balance + bonus, currency=session.currency_id)


def _balance_converted(probe: MoneyCall, wallet: Wallet) -> CallAnswer:
    """The balance in a currency the aggregator may play in on this wallet, at the latest rate
    (rounded down); past its validity, FX_RATE_STALE, as a bet would get."""
    fx = fx_quote_read(aggregator=probe.aggregator, played=probe.currency, wallet_currency=wallet.currency_id)
    if fx is None:
        raise WalletError(
            ErrorCode.CURRENCY_MISMATCH,
            f"session currency is {wallet.currency_id}",
            balance=wallet.balance,
            currency=wallet.currency_id,
        )
    if fx.rate is None or fx.valid_until is None or fx.valid_until <= timezone.now():
        raise WalletError(ErrorCode.FX_RATE_STALE, f"no valid rate {probe.currency}->{wallet.currency_id} now")
    return CallAnswer(code="OK", balance=fx.balance_played(wallet.balance), currency=probe.currency)


def _find_session(call: MoneyCall) -> tuple[GameSession, Wallet]:
    session, wallet = find_session(token=call.session_token, aggregator_id=call.aggregator.pk)
    if session is not None and wallet is not None and session.player.external_id == call.player_id:
        return session, wallet
    raise _session_not_found(call)


def _session_not_found(call: MoneyCall) -> WalletError:
    """PLAYER_NOT_FOUND or SESSION_NOT_FOUND, never with a balance: a token that is not this
    player's (unknown, or another player's) proves nothing about who asks, so the answer says
    nothing about the player's wallet."""
    if not Player.objects.filter(external_id=call.player_id).exists():
        return WalletError(ErrorCode.PLAYER_NOT_FOUND, f"no player {call.player_id!r}")
    return WalletError(ErrorCode.SESSION_NOT_FOUND, "no such session for this player")


def _process_locked(call: MoneyCall) -> tuple[CallAnswer, tuple[str, str] | None]:
    """The answer, and the (kind, mode) of the ledger transaction it posted, if any."""
    at = timezone.now()
    with transaction.atomic(durable=True):
        session, wallet, known, rg_rows = _lock_and_read(call, at)
        if session is None or wallet is None or session.player.external_id != call.player_id:
            raise _session_not_found(call)
        existing = known.record(call.transaction_id)
        if existing is not None:
            return _answer_resend(existing, call, wallet), None
        known.at = at
        played = _played_currency(call, known)
        if played != wallet.currency_id:
            # Played in another currency: its pair and latest rate (rules.py decides which rate).
            known.fx = fx_quote_read(aggregator=call.aggregator, played=played, wallet_currency=wallet.currency_id)
        known.jackpots = _jackpots(call, session, wallet)
        if wallet.has_bonus and session.mode == Mode.REAL:
            # Its bonus wallet is locked after this one (wallet/locks.py): bets use it after cash.
            known.bonus = bonus_read_locked(wallet=wallet)

        rg = _rg_provider(session)
        if rg is not None and call.kind == AggregatorTransaction.Kind.BET:
            # Read under the wallet lock (in its round trip, after the lock was granted): every
            # money call of this player in this currency waits for it, so the totals read are
            # the ones the bet will add to (exact limits).
            known.rg = rg.bet_state_from(
                rg_rows,
                currency=wallet.currency_id,
                at=at,
                # The player's playing session, not this game session: a relaunch does not reset
                # the session-time clock (casino/playing.py). An attribute of the row read above.
                session_started_at=session.play_started_at,
            )
        try:
            # A win without a bet also locks its aggregator's counter of the day, after the
            # wallet (the lock order in wallet/locks.py); other calls lock nothing more.
            known.risk, wins_day = risk_limits_read(call=call, session=session, wallet=wallet, known=known)
            decision = decide(call, session, wallet, known)
        except WalletError as refusal:
            if not refusal.is_remembered:
                # The wallet is known here, so even an answer we do not remember (a 400 for a
                # rollback amount or another player's round) carries the balance (PRODUCT.md).
                if refusal.balance is None:
                    refusal.balance, refusal.currency = wallet.balance, wallet.currency_id
                raise
            decision = Decision(
                outcome=Outcome.REFUSED, code=refusal.code, message=refusal.message, rg_reason=refusal.rg_reason
            )
        if decision.wins_without_bet:
            # rules.py counts one only against the limits and the day's counter read above.
            assert wins_day is not None and known.risk is not None and known.risk.daily_wins_without_bet is not None
            risk_count_win_without_bet(
                day=wins_day, amount=decision.wins_without_bet, limit=known.risk.daily_wins_without_bet
            )

        posting = decision.posting
        record = write_call(
            AggregatorTransaction(
                aggregator=call.aggregator,
                external_id=call.transaction_id,
                kind=call.kind,
                mode=session.mode,
                wallet=wallet,
                session=session,
                round=decision.round,
                amount=call.amount,
                game_code=call.game_code,
                spin_type=call.spin_type,
                round_closed=call.round_closed,
                reference_id=call.reference_id,
                request=call.content(),
                outcome=decision.outcome,
                result_code=decision.code,
                balance=_answer_balance(call, wallet, known, decision),
                message=decision.message,
                rg_reason=decision.rg_reason,
                bonus_amount=decision.bonus_amount,
                ledger_transaction=posting.ledger if posting else None,
                elapsed_us=_elapsed_us(call),
                # The partition key: the call's month, which near_month_turn decided about.
                created_at=at,
            ),
            decision,
            # The running RG totals, in the same statement: still under the wallet lock.
            also=_rg_totals(rg, call, session, wallet, decision, at) if rg is not None else None,
        )
        if decision.bonus_posting is not None:
            # The call's second ledger transaction: the part on the bonus wallet (locked above).
            decision.bonus_posting.ledger.round = decision.round
            write_posting(decision.bonus_posting)
        if decision.wagered and known.bonus is not None:
            bonus_count_wager(state=known.bonus, wallet=wallet, amount=decision.wagered)
        if decision.jackpot_contributions:
            jackpot_contributions_post(
                wallet=wallet,
                aggregator=call.aggregator,
                round_=decision.round,
                reference=call.transaction_id,
                contributions=decision.jackpot_contributions,
            )
        elif call.kind == AggregatorTransaction.Kind.ROLLBACK and posting is not None and session.mode == Mode.REAL:
            jackpot_contributions_reverse(
                wallet=wallet,
                aggregator=call.aggregator,
                bet_reference=call.reference_id,
                reference=call.transaction_id,
            )
        if rg is not None and decision.posting is None and decision.rg_reason:
            _rg_record_refusal(rg, call, session, wallet, decision)
        if decision.code == ErrorCode.RISK_LIMIT_EXCEEDED:
            risk_alert_on_commit(record)
        if timezone.now() - at > CALL_LONGEST:
            # Rolled back: the lock near the turn of a month covers calls no longer than this
            # (MONTH_TURN_MARGIN). The aggregator resends, as after a lock timeout.
            raise RetryLater()
    return CallAnswer.from_record(record, replayed=False), ((call.kind, session.mode) if posting else None)


def _elapsed_us(call: MoneyCall) -> int | None:
    """Microseconds since the request reached the view, up to writing its record (the lock wait
    included): the timing staff see on the call and the dashboard's latency."""
    if call.received_at is None:
        return None
    return int((time.perf_counter() - call.received_at) * 1_000_000)


def _jackpots(call: MoneyCall, session: GameSession, wallet: Wallet) -> list[JackpotTerms]:
    """The jackpots of the call's game: for a real-money bet (its contributions; cached, no
    query) and a jackpot win (with their pools, locked after the wallet)."""
    if session.mode != Mode.REAL:
        return []
    is_bet = call.kind == AggregatorTransaction.Kind.BET
    is_jackpot_win = call.kind == AggregatorTransaction.Kind.WIN and call.spin_type == SpinType.JACKPOT
    if not (is_bet or is_jackpot_win):
        return []
    game_code = call.game_code or session.game_code
    jackpots = jackpots_of_game(aggregator_id=call.aggregator.pk, currency=wallet.currency_id, game_code=game_code)
    return jackpots_with_pool_locked(jackpots=jackpots, mode=wallet.mode) if is_jackpot_win else jackpots


def _played_currency(call: MoneyCall, known: Known) -> str:
    """The currency a call is played in: its own, but a rollback's is its bet's (Hub88 sends the
    session's currency with a rollback)."""
    if call.kind == AggregatorTransaction.Kind.ROLLBACK:
        target = known.record(call.reference_id)
        if target is not None:
            return target.request.get("currency", call.currency)
    return call.currency


def _answer_balance(call: MoneyCall, wallet: Wallet, known: Known, decision: Decision) -> int:
    """The balance we answer, in the currency of the call: cash and bonus money after the call,
    converted (rounded down) at the rate the call settled at, or for a refusal at the latest
    rate. No rate known: the wallet's own."""
    posting = decision.posting
    balance = posting.balance_after if posting is not None and posting.wallet is wallet else wallet.balance
    if known.bonus is not None:
        balance += known.bonus.wallet.balance + decision.bonus_delta
    fx = decision.fx or known.fx
    if call.currency == wallet.currency_id or fx is None or fx.rate is None or fx.played != call.currency:
        return balance
    return fx.balance_played(balance)


def _rg_provider(session: GameSession) -> ResponsibleGaming | None:
    """The RG provider when this call's money counts for responsible gaming: real money of a
    player with RG state. Anyone else costs the call nothing (not even a query)."""
    if session.mode != Mode.REAL or not session.player.has_rg_state:
        return None
    return responsible_gaming.provider()


def _rg_totals(
    rg: ResponsibleGaming, call: MoneyCall, session: GameSession, wallet: Wallet, decision: Decision, at: datetime
) -> tuple[str, list] | None:
    """The provider's statement adding what the call applied to its running totals, or None."""
    if decision.posting is None:
        return None
    # A bet or refund split between cash and bonus money counts whole (wallet/services/bonus.py).
    bonus_part = abs(decision.bonus_posting.amount) if decision.bonus_posting is not None else 0
    return rg.money_statement(
        player_id=session.player_id,
        currency=wallet.currency_id,
        kind=call.kind,
        amount=abs(decision.posting.amount) + bonus_part,
        at=at,
    )


def _rg_record_refusal(
    rg: ResponsibleGaming, call: MoneyCall, session: GameSession, wallet: Wallet, decision: Decision
) -> None:
    """Tell the provider, in the call's transaction, why a bet was refused (its RG events)."""
    rg.record_refusal(
        player_id=session.player_id,
        kind=call.kind,
        refusal=RgRefusal.because(decision.rg_reason, decision.message),
        detail={
            "aggregator": call.aggregator.code,
            "transaction_id": call.transaction_id,
            "amount": call.amount,
            "currency": wallet.currency_id,
        },
    )


def _lock_and_read(call: MoneyCall, at: datetime) -> tuple[GameSession | None, Wallet | None, Known, list[tuple]]:
    """Lock the session's wallet, then read the records and rounds the call names and, for a
    bet, the rows of the player's RG state (empty if none): one round trip, the reads running
    after the lock is granted."""
    then = [_records_query(call), _rounds_query(call)]
    key_locked = near_month_turn(at, margin=MONTH_TURN_MARGIN)
    if key_locked:
        # Before the records are read: see MONTH_TURN_MARGIN.
        then.insert(0, _key_lock_query(call))
    rg = responsible_gaming.provider()
    if rg is not None and call.kind == AggregatorTransaction.Kind.BET:
        # Sent before we know whether the player has RG state (the lock's row tells): it finds
        # no rows for one who has none, which costs less than a round trip of its own would.
        sql, params = rg.bet_state_query(session_token=call.session_token, aggregator_id=call.aggregator.pk, at=at)
        then.append(rows.Query(sql, params, ()))
    session, wallet, answers = lock_session_wallet(
        token=call.session_token, aggregator_id=call.aggregator.pk, then=tuple(then)
    )
    found_records, found_rounds, *found_rg = answers[1:] if key_locked else answers
    # An arm may find a row another arm found too (a resent rollback is also a rollback of
    # the transaction it names): keep each row once.
    records = {record.pk: record for (record,) in found_records}
    rounds = {round_.pk: round_ for (round_,) in found_rounds}
    return session, wallet, Known(list(records.values()), list(rounds.values())), found_rg[0] if found_rg else []


# Exactly once across months. The call records are partitioned by month, and the idempotency key
# (aggregator, transaction id) is unique within each month only (wallet/partitions.py). A resend
# finds its first record in any month (the lookup reads every attached partition), and two
# deliveries on one wallet serialise on its lock. What neither covers: two first deliveries of
# one id on two wallets, in flight together while the month turns, each writing into its own
# month unseen by the other. So a call this close to the turn of a month also locks the key
# itself (a transaction-scoped advisory lock, after the wallet lock and before the lookup): the
# second waits for the first to commit, then finds its record. A call further from the turn
# than MONTH_TURN_MARGIN can only meet one of the other month if one of them runs longer than
# the margin, and none does: a call older than CALL_LONGEST at its end is rolled back. The rest
# of the margin covers the commit and the web nodes' clocks drifting apart (docs/scaling.md).
MONTH_TURN_MARGIN = timedelta(minutes=2)
CALL_LONGEST = timedelta(seconds=20)


def _key_lock_query(call: MoneyCall) -> rows.Query:
    return rows.Query(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
        [f"wallet-call:{call.aggregator.pk}:{call.transaction_id}"],
        (),
    )


# The reads below are written out (wallet/rows.py): they run on every money call, and compiling
# querysets cost more CPU than running them. They are prepared once per connection, so each
# arm is a plain equality on an index that PostgreSQL's generic plan uses whatever the values
# (an OR of the arms, or a partial index whose condition the query does not repeat, would
# make it scan every record of the aggregator).


def _records_query(call: MoneyCall) -> rows.Query:
    """The records of the transactions the call names (its own, the one it refers to), and the
    rollbacks that name either."""
    ids = [i for i in dict.fromkeys((call.transaction_id, call.reference_id)) if i]
    among = ", ".join(["%s"] * len(ids))
    columns = rows.columns(AggregatorTransaction, "t")
    return rows.Query(
        f"SELECT {columns} FROM wallet_aggregatortransaction t"  # noqa: S608
        f" WHERE t.aggregator_id = %s AND t.external_id IN ({among})"  # each month's <partition>_txn_id
        f" UNION ALL SELECT {columns} FROM wallet_aggregatortransaction t"
        f" WHERE t.aggregator_id = %s AND t.reference_id IN ({among}) AND t.reference_id <> ''"  # aggtxn_reference
        " AND t.kind = 'rollback'",
        [call.aggregator.pk, *ids, call.aggregator.pk, *ids],
        ((AggregatorTransaction, "t"),),
    )


def _rounds_query(call: MoneyCall) -> rows.Query:
    """The call's round, and the round of the transaction it refers to (a rollback's bet)."""
    columns = rows.columns(GameRound, "r")
    sql = f"SELECT {columns} FROM wallet_gameround r WHERE r.aggregator_id = %s AND r.external_id = %s"  # noqa: S608
    params = [call.aggregator.pk, call.round_id]
    if call.reference_id:
        sql += (
            f" UNION ALL SELECT {columns} FROM wallet_gameround r WHERE r.id = (SELECT n.round_id"  # noqa: S608
            " FROM wallet_aggregatortransaction n WHERE n.aggregator_id = %s AND n.external_id = %s)"
        )
        params += [call.aggregator.pk, call.reference_id]
    return rows.Query(sql, params, ((GameRound, "r"),))


def _answer_resend(existing: AggregatorTransaction, call: MoneyCall, wallet: Wallet) -> CallAnswer:
    if existing.request != call.content():
        raise WalletError(
            ErrorCode.DUPLICATE_TRANSACTION,
            f"transaction {call.transaction_id!r} was already received with other content",
            balance=wallet.balance,
            currency=wallet.currency_id,
        )
    return CallAnswer.from_record(existing, replayed=True)

"""Staff closing rounds the aggregator left open (reconciliation's stale-round resolution).

Closing is what guards the money afterwards: the wallet's rules refuse a rollback of a bet in a
closed round (TRANSACTION_ALREADY_SETTLED) and any win in it (ROUND_CLOSED), so a refund staff
made here can never be paid a second time by a late call of the aggregator.
"""

from __future__ import annotations

from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from wallet.errors import ErrorCode, RetryLater, WalletError
from wallet.locks import lock_wallet
from wallet.models import AggregatorTransaction, GameRound, LedgerTransaction
from wallet.services.ledger import game_account_key, post_transaction

Kind = AggregatorTransaction.Kind
Outcome = AggregatorTransaction.Outcome


def round_open_bets(round_: GameRound):
    """The round's applied bets that no rollback (the aggregator's, or a staff void) cancelled."""
    rolled_back = AggregatorTransaction.objects.filter(
        aggregator_id=round_.aggregator_id,
        kind=Kind.ROLLBACK,
        outcome=Outcome.APPLIED,
        reference_id=OuterRef("external_id"),
    )
    voided = LedgerTransaction.objects.filter(
        round_id=round_.pk,
        kind=LedgerTransaction.Kind.ROLLBACK,
        created_by__isnull=False,
        reference=OuterRef("external_id"),
    )
    return (
        AggregatorTransaction.objects.filter(round=round_, kind=Kind.BET, outcome=Outcome.APPLIED)
        .exclude(Exists(rolled_back))
        .exclude(Exists(voided))
        .order_by("pk")
    )


def round_close(*, round_id: int, staff_user, reason: str, refund_open_bets: bool) -> list[LedgerTransaction]:
    """Close an open round for staff; with `refund_open_bets` (the aggregator confirmed the round
    void) also refund each bet still standing in it, one ledger rollback per bet with the staff
    user and reason on it. Returns the refunds. Locks the round's wallet; the round and its
    records are read under that lock, so no money call of the player runs in between."""
    if not reason.strip():
        raise WalletError(ErrorCode.VALIDATION_ERROR, "closing a round needs a reason")
    wallet_id = GameRound.objects.values_list("wallet_id", flat=True).get(pk=round_id)
    try:
        with transaction.atomic(durable=True):
            wallet = lock_wallet(wallet_id)
            round_ = GameRound.objects.select_related("aggregator").get(pk=round_id)
            if round_.is_closed:
                raise WalletError(ErrorCode.ROUND_CLOSED, f"round {round_.external_id!r} is already closed")
            refunds: list[LedgerTransaction] = []
            refunded = 0
            if refund_open_bets:
                for bet in round_open_bets(round_):
                    if not bet.ledger_transaction_id or not bet.amount:
                        continue  # a free bet debited nothing
                    refunded += bet.amount
                    refunds.append(
                        post_transaction(
                            kind=LedgerTransaction.Kind.ROLLBACK,
                            wallet=wallet,
                            counter=game_account_key(round_.aggregator, wallet),
                            amount=bet.amount,
                            aggregator=round_.aggregator,
                            round_=round_,
                            reference=bet.external_id,
                            created_by=staff_user,
                            memo=f"void round {round_.external_id}: {reason}"[:255],
                        )
                    )
            GameRound.objects.filter(pk=round_.pk).update(
                status=GameRound.Status.CLOSED,
                closed_at=timezone.now(),
                live_bets=0 if refund_open_bets else round_.live_bets,
                rolled_back_bets=round_.rolled_back_bets + (len(refunds) if refund_open_bets else 0),
                bet_total=round_.bet_total - refunded,
            )
            return refunds
    except WalletError:
        raise
    except DatabaseError as exc:
        raise RetryLater() from exc

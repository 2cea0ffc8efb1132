"""Posting to the double-entry ledger: one balanced transaction per balance change."""

from __future__ import annotations

from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from games.models import Aggregator
from wallet.models import (
    GameRound,
    HouseAccount,
    LedgerEntry,
    LedgerTransaction,
    Wallet,
)


class AccountKey(NamedTuple):
    """What names a house account: there is at most one per key (unique constraints)."""

    kind: str
    currency_id: str
    mode: str
    aggregator_id: int | None = None


# House accounts are never deleted (ledger entries protect them), so each process remembers
# their ids instead of looking them up on every bet. The id is only a hint: the posting
# statement joins it against the table, and a stale one (a rolled-back creation) is relearned.
_house_account_ids: dict[AccountKey, int] = {}

# One statement, one round trip: the ledger transaction, its two legs and the cached balance.
# The house leg is written only if the hinted account exists; the statement says how many
# house legs it wrote. The deferred trigger of migration 0002 still checks the sum at commit.
_POST_SQL = """
WITH txn AS (
    INSERT INTO wallet_ledgertransaction
        (kind, mode, currency_id, wallet_id, aggregator_id, round_id, reference, created_by_id, memo, created_at)
    VALUES (%(kind)s, %(mode)s, %(currency)s, %(wallet)s, %(aggregator)s, %(round)s, %(reference)s,
            %(created_by)s, %(memo)s, %(created_at)s)
    RETURNING id
), legs AS (
    INSERT INTO wallet_ledgerentry (transaction_id, wallet_id, house_account_id, amount, balance_after)
    SELECT txn.id, %(wallet)s, NULL::bigint, %(amount)s, %(balance_after)s FROM txn
    UNION ALL
    SELECT txn.id, NULL::bigint, house.id, %(counter_amount)s, NULL::bigint
    FROM txn JOIN wallet_houseaccount house ON house.id = %(house_account)s
    RETURNING house_account_id
), moved AS (
    UPDATE wallet_wallet SET balance = balance + %(amount)s WHERE id = %(wallet)s
)
SELECT txn.id, (SELECT COUNT(house_account_id) FROM legs) FROM txn
"""


def post_transaction(
    *,
    kind: str,
    wallet: Wallet,
    counter: AccountKey,
    amount: int,
    aggregator: Aggregator | None = None,
    round_: GameRound | None = None,
    reference: str = "",
    created_by=None,
    memo: str = "",
) -> LedgerTransaction:
    """Write one balanced ledger transaction: `amount` on the (locked) wallet, its opposite on
    the house account, and move the cached balance with it."""
    new_balance = wallet.balance + amount
    ledger = LedgerTransaction(
        kind=kind,
        mode=wallet.mode,
        currency_id=wallet.currency_id,
        wallet=wallet,
        aggregator=aggregator,
        round=round_,
        reference=reference,
        created_by=created_by,
        memo=memo,
        created_at=timezone.now(),
    )
    params = {
        "kind": kind,
        "mode": wallet.mode,
        "currency": wallet.currency_id,
        "wallet": wallet.pk,
        "aggregator": aggregator.pk if aggregator else None,
        "round": round_.pk if round_ else None,
        "reference": reference,
        "created_by": created_by.pk if created_by else None,
        "memo": memo,
        "created_at": ledger.created_at,
        "amount": amount,
        "balance_after": new_balance,
        "counter_amount": -amount,
        "house_account": _house_account_id(counter),
    }
    if connection.vendor != "postgresql":
        # The embedded SQLite of `make run` has no INSERT inside WITH: the same rows, one by one.
        return _post_portably(ledger, wallet=wallet, amount=amount, house_account_id=params["house_account"])
    with connection.cursor() as cursor:
        cursor.execute(_POST_SQL, params)
        ledger.pk, house_legs = cursor.fetchone()
    if not house_legs:
        # The remembered id was stale: relearn it and write the missing leg.
        _house_account_ids.pop(counter, None)
        LedgerEntry.objects.create(transaction=ledger, house_account_id=_house_account_id(counter), amount=-amount)
    ledger._state.adding, ledger._state.db = False, connection.alias
    wallet.balance = new_balance
    return ledger


def _post_portably(
    ledger: LedgerTransaction, *, wallet: Wallet, amount: int, house_account_id: int
) -> LedgerTransaction:
    ledger.save(force_insert=True)
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(transaction=ledger, wallet=wallet, amount=amount, balance_after=wallet.balance + amount),
            LedgerEntry(transaction=ledger, house_account_id=house_account_id, amount=-amount),
        ]
    )
    Wallet.objects.filter(pk=wallet.pk).update(balance=F("balance") + amount)
    wallet.balance += amount
    return ledger


def _house_account_id(key: AccountKey) -> int:
    account_id = _house_account_ids.get(key)
    if account_id is None:
        account_id = _house_account_ids[key] = _house_account(key).pk
    return account_id


def _house_account(key: AccountKey) -> HouseAccount:
    lookup = key._asdict()
    account = HouseAccount.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():  # a savepoint: losing a creation race must not abort the caller
            return HouseAccount.objects.create(**lookup)
    except IntegrityError:
        return HouseAccount.objects.get(**lookup)


def game_account_key(aggregator: Aggregator, wallet: Wallet) -> AccountKey:
    return AccountKey(HouseAccount.Kind.GAME, wallet.currency_id, wallet.mode, aggregator.pk)

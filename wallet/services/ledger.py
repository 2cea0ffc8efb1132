"""Posting to the double-entry ledger: one balanced transaction per balance change."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone

from casino.metrics import LEDGER_POSTINGS
from casino.models import Aggregator
from wallet import rows
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
    jackpot_id: int | None = None


# House accounts are never deleted (ledger entries protect them), so each process remembers
# their ids instead of looking them up on every bet. The id is only a hint: the posting
# statement joins it against the table, and a stale one (a rolled-back creation) is relearned.
_house_account_ids: dict[AccountKey, int] = {}


class Posting(NamedTuple):
    """One balanced ledger transaction, ready to be written: `amount` on the (locked) wallet,
    its opposite on the house account `counter`, and `more_legs` on other house accounts,
    which sum to zero by themselves (a conversion's, docs/money.md)."""

    ledger: LedgerTransaction  # unsaved
    wallet: Wallet
    counter: AccountKey
    amount: int
    balance_after: int
    more_legs: tuple[tuple[AccountKey, int], ...] = ()

    def house_legs(self) -> list[tuple[AccountKey, int]]:
        return [(self.counter, -self.amount), *self.more_legs]


def posting(
    *,
    kind: str,
    wallet: Wallet,
    counter: AccountKey,
    amount: int,
    aggregator: Aggregator | None = None,
    round_: GameRound | None = None,
    reference: str = "",
    created_by=None,
    approved_by=None,
    memo: str = "",
    more_legs: tuple[tuple[AccountKey, int], ...] = (),
    fx: tuple[str, int, Decimal | None] | None = None,
    mode: str | None = None,
) -> Posting:
    """What post_transaction writes, unwritten (a money call writes it with its other rows).
    `fx`: the played currency, amount and rate of a call played in another currency. `mode`:
    the transaction's, when not the wallet's (bonus money is played as real money)."""
    if sum(amount for _, amount in more_legs):
        raise ValueError("the further legs of a posting must sum to zero")
    fx_currency, fx_amount, fx_rate = fx or (None, None, None)
    ledger = LedgerTransaction(
        kind=kind,
        mode=mode or wallet.mode,
        currency_id=wallet.currency_id,
        wallet=wallet,
        aggregator=aggregator,
        round=round_,
        reference=reference,
        created_by=created_by,
        approved_by=approved_by,
        memo=memo,
        fx_currency_id=fx_currency,
        fx_amount=fx_amount,
        fx_rate=fx_rate,
        created_at=timezone.now(),
    )
    return Posting(ledger, wallet, counter, amount, wallet.balance + amount, more_legs)


def post_transaction(**fields) -> LedgerTransaction:
    """Write one balanced ledger transaction (the arguments of posting()): `amount` on the
    (locked) wallet, its opposite on the house account, and move the cached balance with it."""
    return write_posting(posting(**fields))


def write_posting(entry: Posting) -> LedgerTransaction:
    """Write a Posting (its wallet locked) in one statement; see post_transaction."""
    ctes, params = posting_ctes(entry)
    with rows.cursor() as cursor:
        # Only our own SQL fragments are joined here; every value is a parameter.
        sql = f"WITH {ctes} SELECT txn.id, (SELECT COUNT(house_account_id) FROM legs) FROM txn"  # noqa: S608
        cursor.execute(sql, params)
        ledger_id, house_legs = cursor.fetchone()
    ledger = posted(entry, ledger_id, house_legs)
    kind, mode = ledger.kind, ledger.mode
    # Counted for /metrics once it is committed (staff operations and demo top-ups; the money
    # calls count theirs in calls.py, without an on_commit on the hot path).
    transaction.on_commit(lambda: LEDGER_POSTINGS.labels(kind=kind, mode=mode).inc())
    return ledger


def posting_ctes(entry: Posting, **expressions: str) -> tuple[str, list]:
    """The common table expressions that write `entry` in one statement, and their parameters:
    `txn` (the ledger transaction: RETURNING id), `legs` (every leg: RETURNING house_account_id;
    a house leg only if the remembered account exists) and `moved` (the cached balance).
    `expressions` go to rows.insert_values for the transaction (a round inserted alongside).
    The deferred trigger of migration 0002 checks the sum at commit."""
    insert_txn, txn_params = rows.insert_values(entry.ledger, **expressions)
    wallet_id = entry.wallet.pk
    # The entries take their transaction's created_at: the partition key, which the composite
    # foreign key (transaction_id, created_at) checks (migration 0010).
    house_leg = (
        " UNION ALL SELECT txn.id, NULL::bigint, house.id, %s::bigint, NULL::bigint, txn.created_at"
        " FROM txn JOIN wallet_houseaccount house ON house.id = %s"
    )
    house_legs = entry.house_legs()
    ctes = (
        f"txn AS ({insert_txn} RETURNING id, created_at), "  # noqa: S608 - own fragments; values are parameters
        "legs AS ("
        "INSERT INTO wallet_ledgerentry"
        " (transaction_id, wallet_id, house_account_id, amount, balance_after, created_at)"
        " SELECT txn.id, %s::bigint, NULL::bigint, %s::bigint, %s::bigint, txn.created_at FROM txn"
        f"{house_leg * len(house_legs)}"
        " RETURNING house_account_id), "
        "moved AS (UPDATE wallet_wallet SET balance = balance + %s WHERE id = %s)"
    )
    amount = entry.amount
    params = [*txn_params, wallet_id, amount, entry.balance_after]
    for key, leg in house_legs:
        params += [leg, _house_account_id(key)]
    return ctes, [*params, amount, wallet_id]


def posted(entry: Posting, ledger_id: int, house_legs: int) -> LedgerTransaction:
    """Bring `entry` up to date after posting_ctes() wrote it as `ledger_id`."""
    ledger = entry.ledger
    ledger.pk = ledger_id
    rows.saved(ledger)
    if house_legs < len(entry.house_legs()):
        # A remembered id was stale: relearn them and write the missing legs.
        written = set(LedgerEntry.objects.filter(transaction=ledger).values_list("house_account_id", flat=True))
        for key, amount in entry.house_legs():
            if _house_account_ids.get(key) not in written:
                _house_account_ids.pop(key, None)
                LedgerEntry.objects.create(
                    transaction=ledger,
                    house_account_id=_house_account_id(key),
                    amount=amount,
                    created_at=ledger.created_at,
                )
    entry.wallet.balance = entry.balance_after
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


def jackpot_account_key(*, jackpot_id: int, currency: str, mode: str) -> AccountKey:
    return AccountKey(HouseAccount.Kind.JACKPOT, currency, mode, None, jackpot_id)


def post_house_transfer(
    *,
    kind: str,
    wallet: Wallet,
    source: AccountKey,
    target: AccountKey,
    amount: int,
    aggregator: Aggregator | None = None,
    round_: GameRound | None = None,
    reference: str = "",
    memo: str = "",
) -> LedgerTransaction:
    """A ledger transaction between two house accounts (a jackpot contribution: the game account
    to a pool), named after the player's `wallet` whose play caused it; no balance moves."""
    ledger = LedgerTransaction.objects.create(
        kind=kind,
        mode=wallet.mode,
        currency_id=wallet.currency_id,
        wallet=wallet,
        aggregator=aggregator,
        round=round_,
        reference=reference,
        memo=memo,
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(transaction=ledger, house_account_id=_house_account_id(source), amount=-amount),
            LedgerEntry(transaction=ledger, house_account_id=_house_account_id(target), amount=amount),
        ]
    )
    return ledger

"""Bonus money with a wagering requirement (docs/money.md): exact and small.

- A grant puts bonus money in the player's **bonus wallet** (a wallet of mode `bonus` beside
  the real one, in the same currency): one `bonus_grant` ledger transaction from the bonus house
  account. One active bonus per real wallet.
- **Cash first**: a bet takes the real wallet's money, and only what it lacks from the bonus
  wallet (rules._bet); the round remembers its bonus stake, and its cash wins go back to the
  bonus in that proportion while the bonus is active (rules.bonus_share); a rollback gives each
  wallet back what it gave.
- **Wagering**: every real-money bet while the bonus is active counts, cash or bonus. Once
  `wagered` reaches `wagering_required`, in that bet's transaction, the bonus wallet's balance
  becomes cash: one `bonus_conversion` ledger transaction with two wallet legs.
- Until then a withdrawal from the real wallet is refused; staff may forfeit the bonus
  (`bonus_forfeit` back to the bonus house account).

Locks: the real wallet, then its bonus wallet (wallet/locks.py), as a money call does.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from casino.models import Mode
from wallet.errors import ErrorCode, WalletError
from wallet.locks import lock_wallet
from wallet.models import Bonus, HouseAccount, LedgerEntry, LedgerTransaction, Wallet, WalletMode
from wallet.services.ledger import AccountKey, post_transaction
from wallet.services.rules import BonusState


def _bonus_account(wallet: Wallet) -> AccountKey:
    return AccountKey(HouseAccount.Kind.BONUS, wallet.currency_id, Mode.REAL)


def bonus_grant(*, wallet_id: int, amount: int, wagering_multiple: int, by=None, memo: str = "") -> Bonus:
    """Grant `amount` of bonus money to a real wallet, to be wagered `wagering_multiple` times."""
    if amount <= 0 or wagering_multiple < 0:
        raise WalletError(ErrorCode.VALIDATION_ERROR, "a bonus is a positive amount with a wagering multiple >= 0")
    with transaction.atomic(durable=True):
        wallet = lock_wallet(wallet_id)
        if wallet.mode != Mode.REAL:
            raise WalletError(ErrorCode.VALIDATION_ERROR, "bonuses go to real wallets only")
        if wallet.has_bonus:
            raise WalletError(ErrorCode.VALIDATION_ERROR, "this wallet already has an active bonus")
        bonus_wallet, _ = Wallet.objects.get_or_create(
            player_id=wallet.player_id, currency_id=wallet.currency_id, mode=WalletMode.BONUS
        )
        bonus_wallet = lock_wallet(bonus_wallet.pk)  # after the real wallet
        post_transaction(
            kind=LedgerTransaction.Kind.BONUS_GRANT,
            wallet=bonus_wallet,
            counter=_bonus_account(wallet),
            amount=amount,
            created_by=by,
            memo=memo or "bonus granted",
            mode=Mode.REAL,
        )
        Wallet.objects.filter(pk=wallet.pk).update(has_bonus=True)
        return Bonus.objects.create(
            cash_wallet=wallet,
            bonus_wallet=bonus_wallet,
            amount=amount,
            wagering_required=amount * wagering_multiple,
            created_by=by,
        )


def bonus_read_locked(*, wallet: Wallet) -> BonusState | None:
    """The active bonus of a (locked) real wallet with its bonus wallet locked, for a money call."""
    bonus = Bonus.objects.filter(cash_wallet=wallet, status=Bonus.Status.ACTIVE).first()
    if bonus is None:
        return None
    return BonusState(bonus_id=bonus.pk, wallet=lock_wallet(bonus.bonus_wallet_id))


def bonus_balance(*, wallet: Wallet) -> int:
    """The bonus money beside a real wallet (a read, no lock: balance calls)."""
    return (
        Wallet.objects.filter(player_id=wallet.player_id, currency_id=wallet.currency_id, mode=WalletMode.BONUS)
        .values_list("balance", flat=True)
        .first()
        or 0
    )


def bonus_count_wager(*, state: BonusState, wallet: Wallet, amount: int) -> None:
    """Count a bet towards the bonus's wagering, in the bet's transaction (both wallets are
    locked); convert the bonus once the requirement is met."""
    Bonus.objects.filter(pk=state.bonus_id).update(wagered=F("wagered") + amount)
    bonus = Bonus.objects.get(pk=state.bonus_id)
    if bonus.wagered >= bonus.wagering_required:
        _close(bonus, wallet=wallet, bonus_wallet=state.wallet, status=Bonus.Status.CONVERTED)


def bonus_forfeit(*, bonus_id: int, by=None) -> Bonus:
    """Staff end a bonus before it is wagered: what is left of it goes back to the house."""
    with transaction.atomic(durable=True):
        bonus = Bonus.objects.get(pk=bonus_id)
        wallet = lock_wallet(bonus.cash_wallet_id)
        bonus_wallet = lock_wallet(bonus.bonus_wallet_id)
        bonus.refresh_from_db()
        if bonus.status != Bonus.Status.ACTIVE:
            raise WalletError(ErrorCode.VALIDATION_ERROR, f"the bonus is {bonus.status} already")
        _close(bonus, wallet=wallet, bonus_wallet=bonus_wallet, status=Bonus.Status.FORFEITED, by=by)
        return bonus


def _close(bonus: Bonus, *, wallet: Wallet, bonus_wallet: Wallet, status: str, by=None) -> None:
    left = bonus_wallet.balance
    if left and status == Bonus.Status.CONVERTED:
        _convert(wallet=wallet, bonus_wallet=bonus_wallet, amount=left)
    elif left:
        post_transaction(
            kind=LedgerTransaction.Kind.BONUS_FORFEIT,
            wallet=bonus_wallet,
            counter=_bonus_account(wallet),
            amount=-left,
            created_by=by,
            memo=f"bonus {bonus.pk} forfeited",
            mode=Mode.REAL,
        )
    Bonus.objects.filter(pk=bonus.pk).update(status=status, closed_at=timezone.now())
    Wallet.objects.filter(pk=wallet.pk).update(has_bonus=False)
    bonus.status = status
    wallet.has_bonus = False


def _convert(*, wallet: Wallet, bonus_wallet: Wallet, amount: int) -> LedgerTransaction:
    """One ledger transaction, two wallet legs: the bonus wallet's money becomes cash."""
    ledger = LedgerTransaction.objects.create(
        kind=LedgerTransaction.Kind.BONUS_CONVERSION,
        mode=Mode.REAL,
        currency_id=wallet.currency_id,
        wallet=wallet,
        memo="bonus wagered: converted to cash",
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transaction=ledger, wallet=bonus_wallet, amount=-amount, balance_after=bonus_wallet.balance - amount
            ),
            LedgerEntry(transaction=ledger, wallet=wallet, amount=amount, balance_after=wallet.balance + amount),
        ]
    )
    Wallet.objects.filter(pk=bonus_wallet.pk).update(balance=F("balance") - amount)
    Wallet.objects.filter(pk=wallet.pk).update(balance=F("balance") + amount)
    bonus_wallet.balance -= amount
    wallet.balance += amount
    return ledger

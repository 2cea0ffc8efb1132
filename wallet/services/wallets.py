"""Wallets, staff money operations (deposit, withdrawal, adjustment) and demo play money."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from casino import responsible_gaming
from casino.models import Currency, Mode, Player
from casino.responsible_gaming import RgRefusal
from wallet.errors import ErrorCode, RetryLater, WalletError
from wallet.locks import lock_wallet
from wallet.models import (
    HouseAccount,
    LedgerTransaction,
    Wallet,
)
from wallet.services.ledger import AccountKey, post_transaction


def wallet_open(*, player: Player, currency: Currency | str, mode: str = Mode.REAL) -> Wallet:
    """The player's wallet in this currency and mode, created empty if it does not exist."""
    currency_id = currency.pk if isinstance(currency, Currency) else currency
    wallet, _ = Wallet.objects.get_or_create(player=player, currency_id=currency_id, mode=mode)
    return wallet


def _staff_post(
    *, wallet_id: int, amount: int, kind: str, account_kind: str, staff_user, memo: str
) -> LedgerTransaction:
    if amount == 0:
        raise WalletError(ErrorCode.VALIDATION_ERROR, "amount must not be zero")
    try:
        with transaction.atomic(durable=True):
            wallet = lock_wallet(wallet_id)
            outcome = staff_post_locked(
                wallet=wallet, amount=amount, kind=kind, account_kind=account_kind, staff_user=staff_user, memo=memo
            )
            if isinstance(outcome, LedgerTransaction):
                return outcome
    except WalletError:
        raise
    except DatabaseError as exc:
        raise RetryLater() from exc
    # An RG refusal: its event is committed (above), the deposit is not written.
    raise rg_blocked(outcome, wallet)


def staff_post_locked(
    *,
    wallet: Wallet,
    amount: int,
    kind: str,
    account_kind: str,
    staff_user,
    memo: str,
    approved_by=None,
) -> LedgerTransaction | RgRefusal:
    """Post a staff operation of `amount` (signed) on `wallet`, which the caller's transaction
    has locked (lock_wallet). Returns the ledger transaction, or the RG refusal of a deposit
    (recorded as an RG event in the caller's transaction; nothing posted). Raises WalletError for
    a demo wallet or a balance that does not cover a debit."""
    if wallet.mode != Mode.REAL:
        raise WalletError(ErrorCode.VALIDATION_ERROR, "staff operations apply to real wallets only")
    if kind == LedgerTransaction.Kind.WITHDRAWAL and wallet.has_bonus:
        # Bonus money is not the player's until wagered (wallet/services/bonus.py).
        raise WalletError(
            ErrorCode.VALIDATION_ERROR, "the player's bonus is not wagered yet: no withdrawal until it is"
        )
    if wallet.balance + amount < 0:
        raise WalletError(
            ErrorCode.INSUFFICIENT_FUNDS, "insufficient funds", balance=wallet.balance, currency=wallet.currency_id
        )
    at = timezone.now()
    rg = responsible_gaming.provider() if kind == LedgerTransaction.Kind.DEPOSIT else None
    # Asked under the wallet lock, which every money movement of this wallet takes: the deposit
    # totals read are the ones this deposit adds to.
    refusal = rg.deposit_refusal(player_id=wallet.player_id, wallet_id=wallet.pk, amount=amount, at=at) if rg else None
    if refusal is not None:
        assert rg is not None
        rg.record_refusal(
            player_id=wallet.player_id,
            kind="deposit",
            refusal=refusal,
            detail={"wallet": wallet.pk, "amount": amount, "currency": wallet.currency_id, "memo": memo},
        )
        return refusal
    counter = AccountKey(account_kind, wallet.currency_id, wallet.mode)
    posted = post_transaction(
        kind=kind,
        wallet=wallet,
        counter=counter,
        amount=amount,
        created_by=staff_user,
        approved_by=approved_by,
        memo=memo,
    )
    if rg is not None:
        rg.record_money(
            state=None, player_id=wallet.player_id, wallet_id=wallet.pk, kind="deposit", amount=amount, at=at
        )
    return posted


def rg_blocked(refusal: RgRefusal, wallet: Wallet) -> WalletError:
    return WalletError(
        refusal.code, refusal.message, balance=wallet.balance, currency=wallet.currency_id, rg_reason=refusal.rg_reason
    )


def wallet_deposit(*, wallet_id: int, amount: int, staff_user=None, memo: str = "") -> LedgerTransaction:
    """Credit `amount` (> 0) from the cashier account. Locks the wallet."""
    if amount <= 0:
        raise WalletError(ErrorCode.VALIDATION_ERROR, "a deposit must be positive")
    return _staff_post(
        wallet_id=wallet_id,
        amount=amount,
        kind=LedgerTransaction.Kind.DEPOSIT,
        account_kind=HouseAccount.Kind.CASHIER,
        staff_user=staff_user,
        memo=memo,
    )


def wallet_withdraw(*, wallet_id: int, amount: int, staff_user=None, memo: str = "") -> LedgerTransaction:
    """Debit `amount` (> 0) to the cashier account; refused if the balance does not cover it."""
    if amount <= 0:
        raise WalletError(ErrorCode.VALIDATION_ERROR, "a withdrawal must be positive")
    return _staff_post(
        wallet_id=wallet_id,
        amount=-amount,
        kind=LedgerTransaction.Kind.WITHDRAWAL,
        account_kind=HouseAccount.Kind.CASHIER,
        staff_user=staff_user,
        memo=memo,
    )


def wallet_adjust(*, wallet_id: int, amount: int, staff_user, memo: str) -> LedgerTransaction:
    """A signed correction by staff, with the reason in `memo` (required)."""
    if not memo.strip():
        raise WalletError(ErrorCode.VALIDATION_ERROR, "an adjustment needs a reason")
    return _staff_post(
        wallet_id=wallet_id,
        amount=amount,
        kind=LedgerTransaction.Kind.ADJUSTMENT,
        account_kind=HouseAccount.Kind.ADJUSTMENT,
        staff_user=staff_user,
        memo=memo,
    )


def demo_wallet_top_up(*, wallet_id: int) -> LedgerTransaction | None:
    """Bring a demo wallet back up to the configured play balance (play money, never real)."""
    with transaction.atomic(durable=True):
        wallet = lock_wallet(wallet_id)
        if wallet.mode != Mode.DEMO:
            raise WalletError(ErrorCode.VALIDATION_ERROR, "only demo wallets are topped up")
        target = settings.DEMO_BALANCE_MAJOR_UNITS * 10**wallet.currency.exponent
        if wallet.balance >= target:
            return None
        counter = AccountKey(HouseAccount.Kind.DEMO_BANK, wallet.currency_id, Mode.DEMO)
        return post_transaction(
            kind=LedgerTransaction.Kind.DEMO_TOP_UP, wallet=wallet, counter=counter, amount=target - wallet.balance
        )

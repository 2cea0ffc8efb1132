"""Staff money operations under four eyes: every staff deposit, withdrawal and adjustment (the
admin's, and reconciliation's adjustments) is a MoneyRequest first.

- At or below the currency's threshold (settings.FOUR_EYES_THRESHOLDS, else
  FOUR_EYES_DEFAULT_THRESHOLD; minor units, compared with the amount's size; 0: every operation
  needs a second person) it posts at once.
- Above it, it waits until a second staff member holding `wallet.approve_moneyrequest` (the
  Finance role, compliance/roles.py) approves it; the requester never can (also a CHECK in the
  database). It can be rejected, and expires after MONEY_REQUEST_TTL_SECONDS.
- The posted ledger transaction names both: created_by (requester), approved_by (approver).
- Each request carries the id of the form that asked for it (request_key, unique): sending the
  same form again answers the first result instead of moving money twice.

Every step is recorded in the audit log through casino/audit.py, in the step's transaction.
Lock order: the request row, then the audit chain (the seam's record), then the wallet: so a
wallet is never held while waiting for the audit chain, and aggregators' money calls, which
take only the wallet, never wait on it either.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from casino import audit
from casino.models import Mode
from wallet.errors import ErrorCode, RetryLater, WalletError
from wallet.locks import lock_wallet
from wallet.models import HouseAccount, LedgerTransaction, MoneyRequest, Wallet
from wallet.services.wallets import staff_post_locked

Operation = MoneyRequest.Operation
Status = MoneyRequest.Status

# What each operation posts: the ledger kind and the house account on the other side.
POSTINGS = {
    Operation.DEPOSIT: (LedgerTransaction.Kind.DEPOSIT, HouseAccount.Kind.CASHIER),
    Operation.WITHDRAWAL: (LedgerTransaction.Kind.WITHDRAWAL, HouseAccount.Kind.CASHIER),
    Operation.ADJUSTMENT: (LedgerTransaction.Kind.ADJUSTMENT, HouseAccount.Kind.ADJUSTMENT),
}
APPROVE_PERMISSION = "wallet.approve_moneyrequest"
REQUEST_PERMISSION = "wallet.add_moneyrequest"


class MoneyRequestRefused(WalletError):
    """A request or decision that may not be made (who asks, or the request's state)."""

    def __init__(self, message: str):
        super().__init__(ErrorCode.VALIDATION_ERROR, message)


# --- Pure decisions ------------------------------------------------------------------------------


def four_eyes_threshold(currency: str) -> int:
    return int(settings.FOUR_EYES_THRESHOLDS.get(currency, settings.FOUR_EYES_DEFAULT_THRESHOLD))


def needs_second_approval(*, currency: str, amount: int) -> bool:
    """Above the currency's threshold (by size: a negative adjustment counts as much as a
    positive one). A threshold of 0 puts every operation under four eyes."""
    return abs(amount) > four_eyes_threshold(currency)


def balance_delta(*, operation: str, amount: int) -> int:
    """What the wallet's balance moves by for the form's `amount`: deposits and withdrawals are
    entered positive, adjustments signed."""
    if amount == 0:
        raise MoneyRequestRefused("The amount must not be zero.")
    if operation in (Operation.DEPOSIT, Operation.WITHDRAWAL) and amount < 0:
        raise MoneyRequestRefused("Deposits and withdrawals are positive; use an adjustment to correct.")
    if operation not in POSTINGS:
        raise MoneyRequestRefused(f"Unknown operation {operation!r}.")
    return -amount if operation == Operation.WITHDRAWAL else amount


def decision_problem(*, request: MoneyRequest, staff_user) -> str | None:
    """Why `staff_user` may not approve or reject `request` now, or None. A request already
    decided is not a problem: the decision answers with its result (a repeated click)."""
    if not staff_user.has_perm(APPROVE_PERMISSION):
        return "You may not approve or reject money requests (Finance role)."
    if request.requested_by_id == staff_user.pk:
        return "Four eyes: a second staff member must decide on your own request."
    return None


# --- Services ------------------------------------------------------------------------------------


def money_request_create(
    *,
    request_key: uuid.UUID | str,
    wallet_id: int,
    operation: str,
    amount: int,
    memo: str,
    staff_user,
    source: str = "admin",
) -> MoneyRequest:
    """The request of `staff_user` for an operation of `amount` (the form's: positive for
    deposits and withdrawals, signed for adjustments) on the wallet; posted at once when four
    eyes are not needed. A second call with the same request_key returns the first request,
    whatever it asked. Raises WalletError when nothing was recorded (bad input, a debit the
    balance does not cover, a demo wallet); an RG refusal of a deposit is recorded as the
    request's status (refused) and returned."""
    existing = MoneyRequest.objects.filter(request_key=request_key).first()
    if existing is not None:
        return existing
    if not staff_user.has_perm(REQUEST_PERMISSION):
        raise MoneyRequestRefused("You may not request money operations (Finance role).")
    if not memo.strip():
        raise MoneyRequestRefused("Say why: the reason is kept on the ledger transaction.")
    delta = balance_delta(operation=operation, amount=amount)
    wallet = Wallet.objects.select_related("currency", "player").get(pk=wallet_id)
    if wallet.mode != Mode.REAL:
        raise WalletError(ErrorCode.VALIDATION_ERROR, "staff operations apply to real wallets only")
    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            request = MoneyRequest.objects.create(
                request_key=request_key,
                wallet=wallet,
                operation=operation,
                amount=delta,
                memo=memo,
                source=source,
                requested_by=staff_user,
                requested_at=now,
                expires_at=now + timedelta(seconds=settings.MONEY_REQUEST_TTL_SECONDS),
            )
            _record(request, "money_request.requested", staff_user)
            if needs_second_approval(currency=wallet.currency_id, amount=delta):
                if wallet.balance + delta < 0:  # read unlocked: a clear answer now; posting checks again
                    raise _insufficient(wallet)
                return request
            _post(request, approver=None, at=now)
            return request
    except IntegrityError:
        # The same form sent twice at once: the other one recorded it first.
        first = MoneyRequest.objects.filter(request_key=request_key).first()
        if first is None:
            raise
        return first
    except WalletError:
        raise
    except DatabaseError as exc:
        raise RetryLater() from exc


def money_request_approve(*, request_id: int, staff_user) -> MoneyRequest:
    """A second staff member approves: the operation posts with both names on it. Locks the
    request row first, so of two approvals racing, the second waits and then finds it decided
    (it gets that result back: nothing posts twice). An expired request is marked so instead.
    Raises MoneyRequestRefused (not allowed) or WalletError (the balance no longer covers a
    debit: the request stays pending)."""
    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            # The request's lock: decisions on one request serialise here (see the docstring).
            request = MoneyRequest.objects.select_for_update().get(pk=request_id)
            problem = decision_problem(request=request, staff_user=staff_user)
            if problem:
                raise MoneyRequestRefused(problem)
            if request.status != Status.PENDING:
                return request
            if request.expires_at <= now:
                _decide(request, Status.EXPIRED, None, now, "expired before approval")
                return request
            _post(request, approver=staff_user, at=now)
            return request
    except WalletError:
        raise
    except DatabaseError as exc:
        raise RetryLater() from exc


def money_request_reject(*, request_id: int, staff_user, note: str = "") -> MoneyRequest:
    """A second staff member rejects a pending request: nothing posts."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        request = MoneyRequest.objects.select_for_update().get(pk=request_id)
        problem = decision_problem(request=request, staff_user=staff_user)
        if problem:
            raise MoneyRequestRefused(problem)
        if request.status == Status.PENDING:
            _decide(request, Status.REJECTED, staff_user, now, note)
        return request


def money_requests_expire(*, at: datetime | None = None) -> int:
    """Mark pending requests past their time expired (beat; safe to run twice). Returns how many."""
    at = at or timezone.now()
    expired = 0
    due = MoneyRequest.objects.filter(status=Status.PENDING, expires_at__lte=at).values_list("pk", flat=True)
    for request_id in list(due[:1000]):
        with transaction.atomic(durable=True):
            # skip_locked: a request being decided right now is that decision's to settle.
            request = (
                MoneyRequest.objects.select_for_update(skip_locked=True)
                .filter(pk=request_id, status=Status.PENDING)
                .first()
            )
            if request is not None:
                _decide(request, Status.EXPIRED, None, at, "not approved in time")
                expired += 1
    return expired


def money_request_new_key() -> uuid.UUID:
    """A fresh form id (request_key) for a money form about to be shown."""
    return uuid.uuid4()


# --- Inside the services' transactions -----------------------------------------------------------


def _post(request: MoneyRequest, *, approver, at: datetime) -> None:
    if approver is not None:
        # Recorded before the wallet is locked (lock order in the module's docstring).
        _record(request, "money_request.approved", approver)
    kind, account_kind = POSTINGS[Operation(request.operation)]
    wallet = lock_wallet(request.wallet_id)
    outcome = staff_post_locked(
        wallet=wallet,
        amount=request.amount,
        kind=kind,
        account_kind=account_kind,
        staff_user=request.requested_by,
        approved_by=approver,
        memo=request.memo,
    )
    if isinstance(outcome, LedgerTransaction):
        request.ledger_transaction = outcome
        _decide(request, Status.POSTED, approver, at, "", record=False)
        _record(request, "money_request.posted", approver or request.requested_by)
    else:
        _decide(request, Status.REFUSED, approver, at, outcome.message)


def _decide(request: MoneyRequest, status: str, staff_user, at: datetime, note: str, *, record: bool = True) -> None:
    request.status = status
    request.decided_by = staff_user
    request.decided_at = at
    request.decision_note = note[:255]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "ledger_transaction"])
    if record:
        _record(request, f"money_request.{status}", staff_user)


def _record(request: MoneyRequest, kind: str, actor) -> None:
    wallet = request.wallet
    audit.record(
        kind=kind,
        actor=actor,
        target=request,
        changes={
            "operation": request.operation,
            "amount": request.amount,
            "currency": wallet.currency_id,
            "wallet": wallet.pk,
            "status": request.status,
            "requested_by": request.requested_by.get_username(),
            "ledger_transaction": request.ledger_transaction_id,
            "note": request.decision_note,
        },
        reason=request.memo,
        player_id=wallet.player.external_id,
    )


def _insufficient(wallet: Wallet) -> WalletError:
    return WalletError(
        ErrorCode.INSUFFICIENT_FUNDS, "insufficient funds", balance=wallet.balance, currency=wallet.currency_id
    )

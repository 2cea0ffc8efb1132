"""The staff workflow: open → investigating → resolved (with a resolution, a note and the staff
user). Every change is a save with its history row (simple-history), the note as its reason.
An adjustment moves money only as a four-eyes money request of the wallet."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from reconciliation.models import Discrepancy
from wallet.errors import WalletError
from wallet.models import MoneyRequest, Wallet
from wallet.services.money_requests import money_request_create, money_request_new_key


class WorkflowError(ValueError):
    pass


def _locked(discrepancy_id: int) -> Discrepancy:
    # Two staff members acting on one discrepancy at once: the second sees the first's change.
    return Discrepancy.objects.select_for_update().get(pk=discrepancy_id)


def _save(discrepancy: Discrepancy, *, staff_user, note: str) -> None:
    # simple-history writes these on the history row of this save: who, and why (the note).
    discrepancy._history_user = staff_user  # type: ignore[attr-defined]
    discrepancy._change_reason = note[:100]  # type: ignore[attr-defined]
    discrepancy.save()


def discrepancy_investigate(*, discrepancy_id: int, staff_user, note: str = "") -> Discrepancy:
    with transaction.atomic():
        discrepancy = _locked(discrepancy_id)
        if discrepancy.status != Discrepancy.Status.OPEN:
            raise WorkflowError(
                f"only an open discrepancy can be taken into investigation (it is {discrepancy.status})"
            )
        discrepancy.status = Discrepancy.Status.INVESTIGATING
        if note:
            discrepancy.note = _append(discrepancy.note, staff_user, note)
        _save(discrepancy, staff_user=staff_user, note=note or "investigating")
    return discrepancy


def discrepancy_resolve(
    *,
    discrepancy_id: int,
    resolution: str,
    note: str,
    staff_user,
    adjust_amount: int | None = None,
    adjust_wallet_id: int | None = None,
    request_key: uuid.UUID | str | None = None,
) -> Discrepancy:
    """Resolve with a resolution and a note. ADJUSTED needs a signed `adjust_amount` (minor units)
    on the player's wallet, asked for as a four-eyes money request of the wallet
    (money_request_create; `request_key` is the form's id: sent twice, it asks once). Posted at
    once (at or below the four-eyes threshold), the discrepancy is resolved with its ledger
    transaction; waiting for a second person, it is under investigation and names the request,
    and is resolved when the request posts (discrepancy_adjustments_settle)."""
    if resolution not in Discrepancy.Resolution.values or resolution == Discrepancy.Resolution.SELF_HEALED:
        raise WorkflowError("choose a resolution: adjusted, accepted, fixed by the aggregator or false positive")
    if not note.strip():
        raise WorkflowError("a resolution needs a note")
    if (resolution == Discrepancy.Resolution.ADJUSTED) != (adjust_amount is not None):
        raise WorkflowError("an adjustment, and only an adjustment, comes with an amount")
    current = Discrepancy.objects.get(pk=discrepancy_id)
    if current.status == Discrepancy.Status.RESOLVED:
        raise WorkflowError("this discrepancy is already resolved")
    if current.money_request_id and adjust_amount is not None:
        raise WorkflowError(
            f"an adjustment is already waiting for approval (money request #{current.money_request_id})"
        )
    if adjust_amount is None:
        return _resolved(discrepancy_id, resolution, note, staff_user, adjustment=None)
    try:
        # Its own transaction (the wallet's service is durable): the request, then our record of it.
        request = money_request_create(
            request_key=request_key or money_request_new_key(),
            wallet_id=adjust_wallet_id or _player_wallet(current),
            operation=MoneyRequest.Operation.ADJUSTMENT,
            amount=adjust_amount,
            memo=f"reconciliation: {current.get_kind_display()} {current.transaction_id}: {note}"[:255],
            staff_user=staff_user,
            source=f"reconciliation:discrepancy:{current.pk}"[:64],
        )
    except WalletError as error:
        raise WorkflowError(error.message) from error
    if request.status == MoneyRequest.Status.POSTED:
        return _resolved(discrepancy_id, resolution, note, staff_user, adjustment=request.ledger_transaction)
    if request.status != MoneyRequest.Status.PENDING:
        raise WorkflowError(f"the adjustment was not posted: {request.get_status_display()} {request.decision_note}")
    with transaction.atomic():
        discrepancy = _locked(discrepancy_id)
        discrepancy.status = Discrepancy.Status.INVESTIGATING
        discrepancy.money_request = request
        waiting = f"adjustment requested (money request #{request.pk}), waiting for a second person: {note}"
        discrepancy.note = _append(discrepancy.note, staff_user, waiting)
        _save(discrepancy, staff_user=staff_user, note=waiting)
    return discrepancy


def discrepancy_adjustments_settle() -> int:
    """Beat, every minute: resolve each discrepancy whose adjustment request has posted, and put
    back under investigation (request cleared, reason noted) one whose request was rejected,
    expired or refused. Safe to run twice. Returns how many changed."""
    changed = 0
    waiting = Discrepancy.objects.filter(money_request__isnull=False).exclude(status=Discrepancy.Status.RESOLVED)
    for discrepancy_id, request_id in waiting.values_list("pk", "money_request_id")[:500]:
        request = MoneyRequest.objects.select_related("requested_by", "decided_by").get(pk=request_id)
        if request.status == MoneyRequest.Status.PENDING:
            continue
        if request.status == MoneyRequest.Status.POSTED:
            approver = getattr(request.decided_by, "username", "")
            note = f"adjustment posted (money request #{request.pk}, approved by {approver})"
            try:
                _resolved(
                    discrepancy_id,
                    Discrepancy.Resolution.ADJUSTED,
                    note,
                    request.requested_by,
                    adjustment=request.ledger_transaction,
                )
            except WorkflowError:
                continue  # resolved by another run of this task meanwhile
        else:
            with transaction.atomic():
                discrepancy = _locked(discrepancy_id)
                if discrepancy.money_request_id != request.pk:
                    continue
                discrepancy.money_request = None
                why = f"adjustment not posted: money request #{request.pk} {request.status} {request.decision_note}"
                discrepancy.note = _append(discrepancy.note, request.decided_by, why.strip())
                _save(discrepancy, staff_user=request.decided_by, note=why)
        changed += 1
    return changed


def _resolved(discrepancy_id: int, resolution: str, note: str, staff_user, *, adjustment) -> Discrepancy:
    with transaction.atomic():
        discrepancy = _locked(discrepancy_id)
        if discrepancy.status == Discrepancy.Status.RESOLVED:
            raise WorkflowError("this discrepancy was resolved meanwhile")
        discrepancy.status = Discrepancy.Status.RESOLVED
        discrepancy.resolution = resolution
        discrepancy.resolved_by = staff_user
        discrepancy.resolved_at = timezone.now()
        discrepancy.adjustment = adjustment
        discrepancy.money_request = None if adjustment is None else discrepancy.money_request
        discrepancy.note = _append(discrepancy.note, staff_user, note)
        _save(discrepancy, staff_user=staff_user, note=note)
    return discrepancy


def _player_wallet(discrepancy: Discrepancy) -> int:
    currency = discrepancy.our_currency or discrepancy.their_currency
    wallet = Wallet.objects.filter(player__external_id=discrepancy.player_id, currency_id=currency, mode="real").first()
    if wallet is None:
        raise WorkflowError(f"player {discrepancy.player_id!r} has no real {currency} wallet to adjust")
    return wallet.pk


def _append(notes: str, staff_user, note: str) -> str:
    line = f"[{timezone.now():%Y-%m-%d %H:%M} {getattr(staff_user, 'username', 'system')}] {note.strip()}"
    return f"{notes}\n{line}" if notes else line

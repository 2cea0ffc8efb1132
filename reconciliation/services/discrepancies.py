"""The staff workflow: open → investigating → resolved (with a resolution, a note and the staff
user). Every change is a save with its history row (simple-history), the note as its reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reconciliation.models import Discrepancy
from wallet.errors import WalletError
from wallet.models import Wallet
from wallet.services import wallet_adjust


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
) -> Discrepancy:
    """Resolve with a resolution and a note. ADJUSTED needs a signed `adjust_amount` (minor units)
    on the player's wallet: it is moved by the wallet's staff adjustment service (reason and staff
    user on the ledger transaction) before the discrepancy is marked resolved.

    Integration point: once four-eyes money requests exist (wallet), an adjustment must become a
    request there, and the discrepancy resolved when it is approved (docs/reconciliation.md)."""
    if resolution not in Discrepancy.Resolution.values or resolution == Discrepancy.Resolution.SELF_HEALED:
        raise WorkflowError("choose a resolution: adjusted, accepted, fixed by the aggregator or false positive")
    if not note.strip():
        raise WorkflowError("a resolution needs a note")
    if (resolution == Discrepancy.Resolution.ADJUSTED) != (adjust_amount is not None):
        raise WorkflowError("an adjustment, and only an adjustment, comes with an amount")
    current = Discrepancy.objects.get(pk=discrepancy_id)
    if current.status == Discrepancy.Status.RESOLVED:
        raise WorkflowError("this discrepancy is already resolved")
    adjustment = None
    if adjust_amount is not None:
        wallet_id = adjust_wallet_id or _player_wallet(current)
        # Its own transaction (the wallet's service is durable): money first, then the record of it.
        try:
            adjustment = wallet_adjust(
                wallet_id=wallet_id,
                amount=adjust_amount,
                staff_user=staff_user,
                memo=f"reconciliation: {current.get_kind_display()} {current.transaction_id}: {note}"[:255],
            )
        except WalletError as error:
            raise WorkflowError(error.message) from error
    with transaction.atomic():
        discrepancy = _locked(discrepancy_id)
        if discrepancy.status == Discrepancy.Status.RESOLVED:
            raise WorkflowError("this discrepancy was resolved meanwhile")
        discrepancy.status = Discrepancy.Status.RESOLVED
        discrepancy.resolution = resolution
        discrepancy.resolved_by = staff_user
        discrepancy.resolved_at = timezone.now()
        discrepancy.adjustment = adjustment
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

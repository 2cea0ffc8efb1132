"""Setting and reading a player's responsible-gaming limits (docs/responsible-gaming.md).

One write path for the front-end API and the admin alike (rg_limit_set): a tighter limit holds
at once; a looser one, or lifting a limit, only RG_LOOSEN_DELAY_SECONDS later, shown as pending
until then. Every step is an RgEvent written in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from casino.models import Currency, Player
from compliance.models import RgDayTotal, RgEvent, RgLimit
from compliance.rg.periods import Period, operator_tz, period_end, period_start
from compliance.rg.state import TOTAL_OF
from compliance.services import rg_event_record

Kind = RgLimit.Kind


class LimitInvalid(ValueError):
    """A limit that cannot be set as asked (the API answers 400 with the message)."""


def _describe(row: RgLimit) -> dict:
    return {"kind": row.kind, "period": row.period, "currency": row.currency_id}


MAX_MINUTES = 7 * 24 * 60


def check_limit_shape(*, kind: str, period: str, currency: str | None, amount: int | None) -> None:
    if kind in RgLimit.MONEY_KINDS:
        if period not in Period.values:
            raise LimitInvalid(f"a {kind} limit needs a period: {', '.join(Period.values)}")
        if not currency or not Currency.objects.filter(pk=currency).exists():
            raise LimitInvalid(f"a {kind} limit needs a known currency")
        if amount is not None and amount < 0:
            raise LimitInvalid("a limit cannot be negative")
    elif kind in RgLimit.MINUTES_KINDS:
        if period or currency:
            raise LimitInvalid(f"a {kind} limit is per player: no period, no currency")
        if amount is not None and amount < 1:
            raise LimitInvalid("a time limit is at least 1 minute")
        if amount is not None and amount > MAX_MINUTES:
            # A week is already no limit; past it the time arithmetic of every bet would overflow.
            raise LimitInvalid(f"a time limit is at most {MAX_MINUTES} minutes (one week)")
    else:
        raise LimitInvalid(f"unknown limit kind {kind!r}")


def rg_limit_set(
    *,
    player: Player,
    kind: str,
    period: str = "",
    currency: str | None = None,
    amount: int | None,
    staff: AbstractBaseUser | None = None,
    at: datetime | None = None,
) -> RgLimit:
    """Set (amount) or lift (None) one limit of the player. Tighter (or equal): in force at once,
    cancelling any pending loosening. Looser or lifted: pending until `at` + the delay.

    Locks the player row: every RG change of a player serialises there. Also marks the player
    as having RG state, so that money calls read it from now on (Player.has_rg_state)."""
    at = at or timezone.now()
    currency = currency or None
    check_limit_shape(kind=kind, period=period, currency=currency, amount=amount)
    with transaction.atomic():
        # Two changes of the same player's limits must not interleave (both read, both write).
        Player.objects.select_for_update().filter(pk=player.pk).update(has_rg_state=True)
        player.has_rg_state = True
        row, _ = RgLimit.objects.get_or_create(player=player, kind=kind, period=period, currency_id=currency)
        _apply_if_due(row, at)
        current = row.amount
        detail = {**_describe(row), "amount": amount, "previous": current}
        if amount is not None and (current is None or amount <= current):
            row.amount, row.pending_amount, row.pending_at = amount, None, None
            row.updated_at = at
            row.save()
            rg_event_record(player=player, kind=RgEvent.Kind.LIMIT_SET, detail=detail, staff=staff)
            return row
        if amount == current and row.pending_at is None:
            return row  # lifting a limit that is not set, or asking for what holds: nothing to do
        row.pending_amount = amount
        row.pending_at = at + timedelta(seconds=settings.RG_LOOSEN_DELAY_SECONDS)
        row.updated_at = at
        row.save()
        rg_event_record(
            player=player,
            kind=RgEvent.Kind.LIMIT_PENDING,
            detail={**detail, "applies_at": row.pending_at.isoformat()},
            staff=staff,
        )
        return row


def _apply_if_due(row: RgLimit, at: datetime) -> bool:
    """Write a pending loosening whose time has come into the limit (it already holds for
    bets: state.LimitRow.in_force), and record that it was applied. Caller holds the lock."""
    if row.pending_at is None or row.pending_at > at:
        return False
    rg_event_record(
        player=row.player_id,
        kind=RgEvent.Kind.LIMIT_APPLIED,
        detail={
            **_describe(row),
            "amount": row.pending_amount,
            "previous": row.amount,
            "due_at": row.pending_at.isoformat(),
        },
    )
    row.amount, row.pending_amount, row.pending_at = row.pending_amount, None, None
    row.updated_at = at
    row.save()
    return True


def rg_limits_apply_due(*, player_id: int | None = None, at: datetime | None = None) -> int:
    """Apply every pending loosening that is due (of one player, or of all): the periodic task
    and the reads of the API and the admin call it. Returns how many were applied."""
    at = at or timezone.now()
    due = RgLimit.objects.filter(pending_at__lte=at)
    if player_id is not None:
        due = due.filter(player_id=player_id)
    applied = 0
    for player in sorted(set(due.values_list("player_id", flat=True))):
        with transaction.atomic():
            Player.objects.select_for_update().filter(pk=player).exists()  # the lock rg_limit_set takes
            for row in RgLimit.objects.filter(player_id=player, pending_at__lte=at):
                applied += _apply_if_due(row, at)
    return applied


# --- Reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitView:
    """A limit as the front end and staff see it: what holds, what is pending, what is used."""

    kind: str
    period: str
    currency: str | None
    amount: int | None
    pending_amount: int | None
    pending_at: datetime | None
    used: int | None  # money kinds: the running total of the current period
    period_starts_at: datetime | None
    period_ends_at: datetime | None


def rg_limits_of(*, player: Player, at: datetime | None = None) -> list[LimitView]:
    """The player's limits (pending loosenings that are due applied first) with their use."""
    at = at or timezone.now()
    rg_limits_apply_due(player_id=player.pk, at=at)
    tz = operator_tz()
    views = []
    for row in RgLimit.objects.filter(player=player).order_by("kind", "period", "currency_id"):
        if row.amount is None and row.pending_at is None:
            continue  # lifted
        used = start = end = None
        if row.kind in RgLimit.MONEY_KINDS:
            start = period_start(row.period, at, tz)
            end = period_end(row.period, start, tz)
            # The period's days, up to today (weeks and months are sums of days: RgDayTotal).
            days = RgDayTotal.objects.filter(player=player, currency_id=row.currency_id, day__gte=start, day__lte=at)
            used = days.aggregate(used=Coalesce(Sum(TOTAL_OF[row.kind]), 0))["used"]
        views.append(
            LimitView(
                kind=row.kind,
                period=row.period,
                currency=row.currency_id,
                amount=row.amount,
                pending_amount=row.pending_amount,
                pending_at=row.pending_at,
                used=used,
                period_starts_at=start,
                period_ends_at=end,
            )
        )
    return views

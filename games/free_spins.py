"""Free spins granted through the aggregator's API, tracked to consumption or expiry
(docs/money.md). Their wins are the wallet's free-spin wins (LedgerTransaction FREE_SPIN_WIN,
against the aggregator's bonus account): the grant only tracks what was given and used.

A grant is written first (PENDING) and committed, then the aggregator is asked, outside any
transaction; its answer makes the grant ACTIVE (with the aggregator's id) or FAILED. A grant
left PENDING (the process died in between) is visible in the admin with its reference, which
the aggregator keeps with its own record.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from casino.models import Aggregator, Player
from casino.outbound import OutboundError
from games.clients import client_for
from games.clients.base import FreeSpinsOrder
from games.clients.hub88 import Hub88Error
from games.clients.native import CatalogError
from games.models import FreeSpinGrant
from wallet.models import AggregatorTransaction

logger = logging.getLogger(__name__)


class FreeSpinsError(ValueError):
    """A grant that cannot be made as asked (a clear message for staff or the API)."""


def free_spins_grant(
    *,
    aggregator: Aggregator,
    player: Player,
    game_code: str,
    currency: str,
    spins: int,
    bet_value: int,
    expires_at: datetime,
    by=None,
) -> FreeSpinGrant:
    """Grant `spins` free spins of `bet_value` minor units each through the aggregator's API."""
    if spins <= 0 or bet_value <= 0:
        raise FreeSpinsError("spins and bet value must be positive")
    if expires_at <= timezone.now():
        raise FreeSpinsError("the grant would expire before it starts")
    grant = FreeSpinGrant.objects.create(
        aggregator=aggregator,
        player=player,
        game_code=game_code,
        currency_id=currency,
        spins=spins,
        bet_value=bet_value,
        expires_at=expires_at,
        created_by=by,
    )
    order = FreeSpinsOrder(
        reference=str(grant.reference),
        player_id=player.external_id,
        game_code=game_code,
        currency=currency,
        spins=spins,
        bet_value=bet_value,
        starts_at=grant.starts_at,
        expires_at=expires_at,
    )
    try:
        external_id = client_for(aggregator).grant_free_spins(order)
    except (OutboundError, CatalogError, Hub88Error) as exc:
        logger.warning("free spins %s for %s refused: %s", grant.reference, player, exc)
        FreeSpinGrant.objects.filter(pk=grant.pk).update(status=FreeSpinGrant.Status.FAILED, error=str(exc)[:255])
    else:
        FreeSpinGrant.objects.filter(pk=grant.pk).update(status=FreeSpinGrant.Status.ACTIVE, external_id=external_id)
    grant.refresh_from_db()
    return grant


def free_spins_track(*, now: datetime | None = None) -> int:
    """Bring every active grant up to date from the wallet's records of the calls naming it
    (spins used, what they won) and close it: CONSUMED once every spin is used, EXPIRED past
    its end. Safe to run twice (it recounts; it never adds). Returns how many grants closed."""
    now = now or timezone.now()
    closed = 0
    for grant in FreeSpinGrant.objects.filter(status=FreeSpinGrant.Status.ACTIVE).select_related("player"):
        calls = AggregatorTransaction.objects.filter(
            aggregator_id=grant.aggregator_id,
            wallet__player=grant.player,
            request__free_spins_id=grant.external_id,
        ).exclude(outcome=AggregatorTransaction.Outcome.REFUSED)
        used = calls.aggregate(
            spins=Count("id", filter=Q(kind=AggregatorTransaction.Kind.BET)),
            won=Sum("amount", filter=Q(kind=AggregatorTransaction.Kind.WIN)),
        )
        status = grant.status
        if used["spins"] >= grant.spins:
            status = FreeSpinGrant.Status.CONSUMED
        elif grant.expires_at <= now:
            status = FreeSpinGrant.Status.EXPIRED
        with transaction.atomic():
            FreeSpinGrant.objects.filter(pk=grant.pk, status=FreeSpinGrant.Status.ACTIVE).update(
                spins_used=used["spins"], win_total=used["won"] or 0, status=status
            )
        closed += status != FreeSpinGrant.Status.ACTIVE
    return closed

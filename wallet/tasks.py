"""Celery tasks of the wallet app: take ids or nothing, call selectors/services, safe to run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from wallet.selectors import stale_rounds

logger = logging.getLogger(__name__)


@shared_task(name="wallet.report_stale_rounds")
def report_stale_rounds() -> list[str]:
    """Report rounds left open too long. They are not closed here: a late win of such a round
    is still owed to the player, so closing it is a decision for staff (admin: Game rounds,
    filter "stale")."""
    rounds = stale_rounds(older_than=timedelta(seconds=settings.STALE_ROUND_AFTER_SECONDS)).select_related(
        "aggregator", "wallet__player"
    )
    found = [f"{r.aggregator.code}:{r.external_id} ({r.wallet.player})" for r in rounds[:500]]
    if found:
        logger.warning("%d stale open round(s): %s", len(found), ", ".join(found))
    return found

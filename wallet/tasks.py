"""Celery tasks of the wallet app: take ids or nothing, call selectors/services, safe to run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import mail_admins
from django.urls import reverse
from django.utils import timezone

from wallet.models import AggregatorTransaction
from wallet.partitions import partitions_create_ahead
from wallet.selectors import stale_rounds
from wallet.services.money_requests import money_requests_expire

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


@shared_task(name="wallet.mail_risk_refusal")
def mail_risk_refusal(record_id: int) -> None:
    """Mail the ADMINS about a win a risk limit refused (queued on commit by services/risk.py).
    Running it twice sends the mail twice: harmless, and better than none."""
    record = AggregatorTransaction.objects.select_related("aggregator").get(pk=record_id)
    path = reverse("admin:wallet_aggregatortransaction_change", args=[record.pk])
    mail_admins(
        f"Risk limit: {record.aggregator.code} {record.kind} refused",
        f"{risk_refusal_summary(record)}\n\nCall record: {path}\n"
        "If the win is genuine, raise the aggregator's limit (admin: Aggregators, risk limits) and pay it"
        " with a staff adjustment: a resend of the same transaction keeps its refusal.",
    )


def risk_refusal_summary(record: AggregatorTransaction) -> str:
    """One line for staff: who, what, how much, and the rule that refused it."""
    return (
        f"aggregator {record.aggregator.code} {record.kind} {record.external_id!r} of {record.amount}"
        f" {record.request.get('currency', '')} minor units ({record.spin_type}) for player"
        f" {record.request.get('player_id', '')} refused: {record.message}"
    )


@shared_task(name="wallet.import_fx_rates")
def import_fx_rates() -> int:
    """Import the rate feed (settings.FX_FEED_URL); a rate already stored is stored once."""
    from wallet.services.fx import fx_rates_refresh  # services import this module (mail tasks)

    return fx_rates_refresh()


@shared_task(name="wallet.expire_money_requests")
def expire_money_requests() -> int:
    """Pending staff money requests past MONEY_REQUEST_TTL_SECONDS become expired (recorded)."""
    return money_requests_expire()


@shared_task(name="wallet.advance_rollups")
def advance_rollups() -> dict[str, int]:
    """Add new ledger rows and call records to the dashboard's rollups (safe twice: the
    watermark's lock, wallet/services/rollups.py)."""
    from wallet.services.rollups import rollups_advance

    return rollups_advance()


@shared_task(name="wallet.create_partitions_ahead")
def create_partitions_ahead() -> list[str]:
    """Create the coming months' partitions of the ledger and the call records (beat, daily);
    creating what exists is a no-op, so running it twice is harmless."""
    done = partitions_create_ahead(at=timezone.now())
    if done.skipped or any(done.rows_in_default.values()):
        logger.error(
            "partitions: rows in the DEFAULT partitions %s; months not created %s (docs/scaling.md)",
            done.rows_in_default,
            done.skipped,
        )
    return done.created

"""Celery tasks of reconciliation: take ids or nothing, call a service, safe to run twice (a
rerun of a window is idempotent; a checked event is not checked again)."""

from datetime import datetime, timedelta

from celery import shared_task
from django.utils import timezone

from casino.models import Aggregator
from reconciliation.models import ReconciliationSettings
from reconciliation.services.discrepancies import discrepancy_adjustments_settle
from reconciliation.services.runs import hourly_sources, hourly_window, reconciliation_run
from reconciliation.services.shadow import shadow_match_pending, shadow_summarize


@shared_task(name="reconciliation.reconcile")
def reconcile(aggregator_id: int, start: str, end: str, source: str, statement_id: int | None = None) -> dict:
    run = reconciliation_run(
        aggregator_id=aggregator_id,
        start=datetime.fromisoformat(start),
        end=datetime.fromisoformat(end),
        source=source,
        statement_id=statement_id,
    )
    return {"run": run.pk, "status": run.status, "counts": run.counts, "error": run.error}


@shared_task(name="reconciliation.reconcile_hourly")
def reconcile_hourly() -> list[int]:
    """Beat, five past every hour: queue a run of each active aggregator (unless its hourly
    runs are switched off) over the last closed hour and the overlap."""
    off = set(ReconciliationSettings.objects.filter(hourly_runs=False).values_list("aggregator_id", flat=True))
    queued = []
    for aggregator in Aggregator.objects.filter(is_active=True).order_by("pk"):
        if aggregator.pk in off:
            continue
        start, end = hourly_window(aggregator)
        for source in hourly_sources(aggregator):
            reconcile.delay(aggregator.pk, start.isoformat(), end.isoformat(), source)
            queued.append(aggregator.pk)
    return queued


@shared_task(name="reconciliation.match_settlements")
def match_settlements() -> int:
    return shadow_match_pending()


@shared_task(name="reconciliation.settle_adjustments")
def settle_adjustments() -> int:
    """Every minute: discrepancies whose four-eyes adjustment was decided are resolved (posted) or
    back under investigation (rejected, expired)."""
    return discrepancy_adjustments_settle()


@shared_task(name="reconciliation.shadow_summaries")
def shadow_summaries() -> int:
    """Hourly: today's shadow summaries so far, and yesterday's final ones."""
    today = timezone.now().date()
    return len(shadow_summarize(day=today)) + len(shadow_summarize(day=today - timedelta(days=1)))

"""Celery tasks of the games app. Tasks take ids and call a service; each is safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from casino.models import Aggregator
from games.catalog import catalog_sync
from games.free_spins import free_spins_track
from games.reports.rollup import rollup_ledger


@shared_task(name="games.sync_catalog")
def sync_catalog(aggregator_id: int) -> dict:
    """Sync one aggregator's catalog. Two at once queue on the catalog lock; the second finds
    nothing left to change."""
    run = catalog_sync(aggregator_id=aggregator_id)
    return {
        "run": run.pk,
        "status": run.status,
        "added": run.added,
        "changed": run.changed,
        "disabled": run.disabled,
        "errors": run.errors,
    }


@shared_task(name="games.sync_due_catalogs")
def sync_due_catalogs() -> list[int]:
    """Beat, every CATALOG_SYNC_CHECK_SECONDS: queue a sync of each active aggregator whose
    interval has elapsed since its last sync started. Returns the ids queued."""
    due = aggregators_due_for_sync()
    for aggregator_id in due:
        sync_catalog.delay(aggregator_id)
    return due


def aggregators_due_for_sync(now=None) -> list[int]:
    now = now or timezone.now()
    aggregators = (
        Aggregator.objects.filter(is_active=True)
        .exclude(api_base_url="")
        .annotate(last_sync=Max("catalog_sync_runs__started_at"))
        .order_by("pk")
    )
    due = []
    for aggregator in aggregators:
        interval = aggregator.catalog_sync_interval_seconds or settings.CATALOG_SYNC_INTERVAL_SECONDS
        if aggregator.last_sync is None or now - aggregator.last_sync >= timedelta(seconds=interval):
            due.append(aggregator.pk)
    return due


@shared_task(name="games.rollup_ledger")
def rollup_daily_figures() -> dict:
    """Beat, every REPORT_ROLLUP_SECONDS: bring the daily figures up to date from the ledger.
    Safe to run twice, or twice at once (the watermark row is locked per batch)."""
    done = rollup_ledger()
    return {"batches": done.batches, "from": done.from_id, "to": done.to_id}


@shared_task(name="games.track_free_spins")
def track_free_spins() -> int:
    """Beat, every 5 minutes: count active grants' spins used and close the
    consumed and the expired. Safe to run twice (it recounts)."""
    return free_spins_track()

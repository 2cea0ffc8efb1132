"""Catalog sync health on the dashboard and in /metrics (casino/backoffice.py)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from casino import backoffice
from casino.models import Aggregator
from games.models import CatalogSyncRun


def catalog_sync_status() -> list[dict]:
    """Per active aggregator: its last successful sync, the last run's status, how old the
    success is against the interval (late: older than twice the interval)."""
    now = timezone.now()
    aggregators = Aggregator.objects.filter(is_active=True).annotate(
        last_success=Max("catalog_sync_runs__finished_at", filter=Q(catalog_sync_runs__status="succeeded")),
    )
    rows = []
    for aggregator in aggregators.order_by("code"):
        interval = aggregator.catalog_sync_interval_seconds or settings.CATALOG_SYNC_INTERVAL_SECONDS
        last_run = CatalogSyncRun.objects.filter(aggregator=aggregator).order_by("-started_at").first()
        age = (now - aggregator.last_success).total_seconds() if aggregator.last_success else None
        rows.append(
            {
                "aggregator": aggregator.code,
                "interval": interval,
                "last_success": aggregator.last_success,
                "age_seconds": age,
                "last_status": last_run.status if last_run else "never run",
                "late": age is None or age > 2 * interval,
            }
        )
    return rows


def catalog_panel() -> dict:
    return {"rows": catalog_sync_status()}


def age_samples():
    for row in catalog_sync_status():
        if row["age_seconds"] is not None:
            yield {"aggregator": row["aggregator"]}, row["age_seconds"]


def interval_samples():
    for row in catalog_sync_status():
        yield {"aggregator": row["aggregator"]}, row["interval"]


def register() -> None:
    backoffice.dashboard_panel(
        backoffice.DashboardPanel("catalog", "Catalog sync", "games/dashboard/catalog.html", catalog_panel, order=35)
    )
    backoffice.gauge_source("casino_catalog_sync_age_seconds", age_samples)
    backoffice.gauge_source("casino_catalog_sync_interval_seconds", interval_samples)

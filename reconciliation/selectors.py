"""Reads for the admin, the dashboard and /metrics (no writes here)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from reconciliation.models import Discrepancy, ReconciliationRun
from wallet.selectors import stale_rounds


def open_discrepancy_counts() -> dict[str, int]:
    """Unresolved discrepancies (open or being investigated) per aggregator code."""
    rows = (
        Discrepancy.objects.exclude(status=Discrepancy.Status.RESOLVED)
        .values_list("aggregator__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def stale_round_counts() -> dict[str, int]:
    """Open rounds idle longer than STALE_ROUND_AFTER_SECONDS, per aggregator code."""
    rows = (
        stale_rounds(older_than=timedelta(seconds=settings.STALE_ROUND_AFTER_SECONDS))
        .values_list("aggregator__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def last_runs(*, limit: int = 20):
    return ReconciliationRun.objects.select_related("aggregator").order_by("-started_at")[:limit]


def discrepancy_age(discrepancy: Discrepancy) -> timedelta:
    return timezone.now() - discrepancy.detected_at

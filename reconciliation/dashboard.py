"""Reconciliation on the dashboard and in /metrics (casino/backoffice.py): unresolved discrepancies
and the last run of each aggregator, stale rounds awaiting resolution."""

from __future__ import annotations

from django.db.models import Count

from casino import backoffice
from casino.models import Aggregator
from reconciliation.models import Discrepancy, ReconciliationRun
from reconciliation.selectors import open_discrepancy_counts, stale_round_counts


def reconciliation_panel() -> dict:
    """Per aggregator with anything to show: unresolved discrepancies per class, its last run."""
    per_class: dict[str, dict[str, int]] = {}
    unresolved = Discrepancy.objects.exclude(status=Discrepancy.Status.RESOLVED)
    for code, kind, n in unresolved.values_list("aggregator__code", "kind").annotate(n=Count("id")).order_by():
        per_class.setdefault(code, {})[Discrepancy.Class(kind).label] = n
    last_runs = {}
    # The newest run of each aggregator: DISTINCT ON over the (aggregator, -started_at) index.
    newest = ReconciliationRun.objects.order_by("aggregator_id", "-started_at").distinct("aggregator_id")
    for run in newest.select_related("aggregator"):
        last_runs[run.aggregator.code] = run
    stale = stale_round_counts()
    ids = dict(Aggregator.objects.values_list("code", "pk"))
    rows = []
    for code in sorted(set(per_class) | set(last_runs) | set(stale)):
        run = last_runs.get(code)
        rows.append(
            {
                "aggregator": code,
                "aggregator_id": ids.get(code),
                "open": sum(per_class.get(code, {}).values()),
                "classes": sorted(per_class.get(code, {}).items()),
                "last_run": run,
                "stale_rounds": stale.get(code, 0),
            }
        )
    return {"rows": rows}


def open_discrepancy_samples():
    for code, n in open_discrepancy_counts().items():
        yield {"aggregator": code}, n


def stale_round_samples():
    for code, n in stale_round_counts().items():
        yield {"aggregator": code}, n


def register() -> None:
    backoffice.dashboard_panel(
        backoffice.DashboardPanel(
            "reconciliation",
            "Reconciliation",
            "reconciliation/dashboard/reconciliation.html",
            reconciliation_panel,
            order=40,
        )
    )
    backoffice.gauge_source("casino_reconciliation_open_discrepancies", open_discrepancy_samples)
    backoffice.gauge_source("casino_reconciliation_stale_rounds", stale_round_samples)

"""Reconciliation on the dashboard and in /metrics (casino/backoffice.py): open discrepancies
per aggregator."""

from __future__ import annotations

from casino import backoffice
from reconciliation.selectors import open_discrepancy_counts


def discrepancies_panel() -> dict:
    counts = open_discrepancy_counts()
    return {"rows": sorted(counts.items()), "total": sum(counts.values())}


def discrepancy_samples():
    return [({"aggregator": code}, n) for code, n in open_discrepancy_counts().items()]


def register() -> None:
    backoffice.dashboard_panel(
        backoffice.DashboardPanel(
            "discrepancies",
            "Open reconciliation discrepancies",
            "reconciliation/dashboard/open.html",
            discrepancies_panel,
            order=38,
        )
    )
    backoffice.gauge_source("casino_reconciliation_open_discrepancies", discrepancy_samples)

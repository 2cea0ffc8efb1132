"""The seam through which every app puts its figures on the back-office's shared pages and on
/metrics, without the ground floor importing the apps above it.

The admin dashboard (the admin index), the player page and the scrape-time gauges of /metrics
show data of every app: money (wallet), catalog syncs (games), discrepancies
(reconciliation), RG state and staff changes (compliance). `casino` may not import those apps
(docs/architecture.md), so each app registers what it shows here in its AppConfig.ready(),
as compliance registers the RG provider (casino/responsible_gaming.py), and the pages and the
exposition ask this module:

- `dashboard_panel(...)`: a block of the dashboard, a template and the function that reads its
  figures (from rollups or small tables: the page must load in well under a second).
- `player_section(...)`: a block of the player page, given the player and the page's query.
- `player_finder(...)`: how support finds a player from what they were given (an email, a
  transaction id, a round id...).
- `gauge_source(name, read)`: the samples of one scrape-time gauge named in GAUGES.

The gauge *names* are fixed here, whoever provides them, so the alerting rules
(deploy/prometheus/alerts.yml) can name them and a test can check each is exported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

# name -> (help, label names). Every gauge is exported, with its samples when an app provides
# them; the app that provides each is named.
GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    # casino (this layer): the skew the last signed request showed.
    "casino_aggregator_clock_skew_seconds": (
        "Our clock minus the aggregator's, at its last signed request.",
        ("aggregator",),
    ),
    # casino: the Celery broker's queue lengths.
    "casino_celery_queue_depth": ("Tasks waiting in the broker's queue.", ("queue",)),
    # games: catalog sync health.
    "casino_catalog_sync_age_seconds": (
        "Seconds since the aggregator's last successful catalog sync.",
        ("aggregator",),
    ),
    "casino_catalog_sync_interval_seconds": ("How often the aggregator's catalog is meant to sync.", ("aggregator",)),
    # wallet: open rounds without a money call for STALE_ROUND_AFTER_SECONDS.
    "casino_stale_rounds": ("Open rounds idle past STALE_ROUND_AFTER_SECONDS.", ("aggregator",)),
    # reconciliation: open discrepancies (reconciliation.selectors.open_discrepancy_counts()).
    "casino_reconciliation_open_discrepancies": ("Reconciliation discrepancies not yet resolved.", ("aggregator",)),
    # reconciliation: stale rounds awaiting resolution (reconciliation.selectors.stale_round_counts()).
    "casino_reconciliation_stale_rounds": ("Stale rounds awaiting resolution by staff.", ("aggregator",)),
    # compliance (audit log): the last verification of the audit chain.
    "casino_audit_verify_failures": ("1 when the last audit-log verification found the chain broken, else 0.", ()),
    "casino_audit_verify_last_run_timestamp_seconds": ("When the audit log was last verified (Unix time).", ()),
}

Sample = tuple[Mapping[str, str], float]


@dataclass(frozen=True)
class DashboardPanel:
    key: str
    title: str
    template: str
    read: Callable[[], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class PlayerSection:
    key: str
    title: str
    template: str
    read: Callable[[Any, Mapping[str, str]], dict[str, Any]]  # (player, request.GET) -> context
    order: int = 100


@dataclass(frozen=True)
class PlayerMatch:
    """A player found by a search, with what matched (shown to support) and, when the match
    was a round or a call, the round to open on the player page."""

    player_id: int
    matched: str
    round_id: int | None = None


@dataclass(frozen=True)
class PlayerFinder:
    key: str
    find: Callable[[str], list[PlayerMatch]]
    order: int = 100


_panels: dict[str, DashboardPanel] = {}
_sections: dict[str, PlayerSection] = {}
_finders: dict[str, PlayerFinder] = {}
_gauges: dict[str, Callable[[], Iterable[Sample]]] = {}


def dashboard_panel(panel: DashboardPanel) -> None:
    _panels[panel.key] = panel


def player_section(section: PlayerSection) -> None:
    _sections[section.key] = section


def player_finder(finder: PlayerFinder) -> None:
    _finders[finder.key] = finder


def gauge_source(name: str, read: Callable[[], Iterable[Sample]]) -> None:
    """Set the reader of `name`'s samples (a name of GAUGES). One reader per gauge: registering
    again replaces it, so a gauge never exports the same series twice."""
    if name not in GAUGES:
        raise ValueError(f"{name} is not a gauge of casino.backoffice.GAUGES: add it there first")
    _gauges[name] = read


def panels() -> list[DashboardPanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))


def sections() -> list[PlayerSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def find_players(query: str) -> list[PlayerMatch]:
    """Every player the finders match, each once (the first finder's reason wins)."""
    found: dict[int, PlayerMatch] = {}
    for finder in sorted(_finders.values(), key=lambda f: (f.order, f.key)):
        for match in finder.find(query):
            found.setdefault(match.player_id, match)
    return list(found.values())


class GaugeCollector:
    """Reads every registered gauge at scrape time. A reader that fails leaves its gauge
    without samples and logs why: one broken figure must not blank the whole scrape."""

    def collect(self):
        for name, (documentation, labels) in GAUGES.items():
            family = GaugeMetricFamily(name, documentation, labels=list(labels))
            read = _gauges.get(name)
            try:
                for sample_labels, value in read() if read else ():
                    family.add_metric([str(sample_labels[label]) for label in labels], float(value))
            except Exception:  # any failure: this gauge goes without samples this scrape
                logger.exception("metrics: reading %s failed", name)
                family = GaugeMetricFamily(name, documentation, labels=list(labels))
            yield family

    def describe(self):
        return []


def masked(secret: str) -> str:
    """A session token or key as staff may see it: enough to tell two apart, not to use one."""
    if not secret:
        return ""
    return f"{secret[:4]}…" if len(secret) > 8 else "…"

"""The shape every source of their side is read into (reports, statements, webhooks)."""

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from reconciliation.parsing import TheirRow

__all__ = ["ReportClient", "ReportError", "TheirRow"]


class ReportError(Exception):
    """No usable report: the aggregator did not answer, or answered with something unreadable."""


class ReportClient(Protocol):
    def transactions(self, start: datetime, end: datetime) -> Iterator[TheirRow]:
        """Every transaction the aggregator counts in [start, end), page after page."""
        ...

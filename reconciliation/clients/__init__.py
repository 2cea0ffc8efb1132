"""Outbound report clients: each aggregator's own record of our transactions for a window.

`report_client_for(aggregator)` picks the protocol's client. Every client yields rows in one
shape (TheirRow) and raises ReportError when it has no usable answer: a failed fetch fails the
run, it never stands for "they count nothing" (which would report every transaction missing).
HTTP goes through casino/outbound.py, the one home of the 429/backoff and timeout rule that
catalog sync uses too.
"""

from casino.models import Aggregator
from reconciliation.clients.base import ReportClient, ReportError, TheirRow
from reconciliation.clients.hub88 import Hub88ReportClient
from reconciliation.clients.native import NativeReportClient

__all__ = ["ReportClient", "ReportError", "TheirRow", "report_client_for"]

CLIENTS: dict[str, type] = {
    Aggregator.Protocol.NATIVE: NativeReportClient,
    Aggregator.Protocol.HUB88: Hub88ReportClient,
}


def report_client_for(aggregator: Aggregator, **options) -> ReportClient:
    try:
        client_class = CLIENTS[aggregator.protocol]
    except KeyError:
        raise ReportError(f"no report client for protocol {aggregator.protocol!r}") from None
    return client_class(aggregator, **options)

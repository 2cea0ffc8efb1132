"""What every wallet callback leaves behind, whatever its protocol: its latency and answer in
/metrics (casino/metrics.py) and one log line.

The line names the call (protocol, aggregator, endpoint, transaction id), its result code and
milliseconds; never the session token, the signature or any other header or body field. The
aggregator label is the authenticated aggregator's code, or `unauthenticated`: a code an
unsigned request puts in a URL is not trusted enough to become a label (anyone could mint
unbounded series).
"""

from __future__ import annotations

import logging
import time

from casino import metrics
from casino.metrics import WALLET_ANSWERS, WALLET_REQUEST_SECONDS
from casino.models import Aggregator

logger = logging.getLogger("wallet.calls")

UNAUTHENTICATED = "unauthenticated"


def wallet_call_observe(
    *,
    protocol: str,
    endpoint: str,
    aggregator: Aggregator | None,
    result: str,
    started: float,
    transaction_id: str = "",
) -> None:
    seconds = time.perf_counter() - started
    code = aggregator.code if aggregator is not None else UNAUTHENTICATED
    if metrics.ENABLED:
        WALLET_REQUEST_SECONDS.labels(protocol=protocol, aggregator=code, endpoint=endpoint).observe(seconds)
        WALLET_ANSWERS.labels(protocol=protocol, aggregator=code, endpoint=endpoint, result=result).inc()
    milliseconds = round(seconds * 1000, 2)
    logger.info(
        "wallet call %s %s %s %s: %s in %.2f ms",
        protocol,
        code,
        endpoint,
        transaction_id or "-",
        result,
        milliseconds,
        extra={
            "protocol": protocol,
            "aggregator": code,
            "kind": endpoint,
            "transaction_id": transaction_id,
            "result": result,
            "ms": milliseconds,
        },
    )

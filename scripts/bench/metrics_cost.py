"""What a wallet callback spends on being observed, in microseconds of this process's CPU:
counting its metrics (multiprocess mode, as under gunicorn) and writing its log line (JSON, as in
production). The load benchmark's with/without pair (`scripts/bench/run.py`) measures the same
from outside, where this machine's noise is larger than the cost itself.

    .venv/bin/python scripts/bench/metrics_cost.py      (with the Makefile's TEST_ENV)
"""

from __future__ import annotations

import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALLS = int(os.environ.get("COST_CALLS", "50000"))


def per_call_us(fn) -> float:
    fn()  # the first call creates the labelled series and its file
    started = time.process_time()
    for _ in range(CALLS):
        fn()
    return (time.process_time() - started) / CALLS * 1e6


def main() -> int:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-cost-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
    os.environ["LOG_FORMAT"] = "json"
    os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL", "postgres://unused@127.0.0.1:5432/not-connected")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from casino.metrics import LEDGER_POSTINGS
    from wallet.api import observe

    class Acme:
        code = "acme"

    started = time.perf_counter()

    def counted() -> None:
        observe.wallet_call_observe(
            protocol="native", endpoint="bet", aggregator=Acme(), result="OK", started=started, transaction_id="t-1"
        )
        LEDGER_POSTINGS.labels(kind="bet", mode="real").inc()

    logger = logging.getLogger("wallet.calls")
    handler = logging.getLogger().handlers[0]
    quiet = io.StringIO()

    logger.setLevel(logging.WARNING)
    without_log = per_call_us(counted)
    os.environ["METRICS_ENABLED"] = "0"
    from casino import metrics

    metrics.ENABLED = False
    neither = per_call_us(counted)
    metrics.ENABLED = True
    logger.setLevel(logging.INFO)
    handler.setStream(quiet)  # the JSON line is formatted and written, to memory
    with_log = per_call_us(counted)
    print(f"{CALLS:,} callbacks observed (multiprocess metrics, JSON log line):")
    print(f"  counting the metrics            {without_log - neither:6.1f} µs per callback")
    print(f"  writing the JSON log line       {with_log - without_log:6.1f} µs per callback")
    print(f"  the rest of the observer        {neither:6.1f} µs per callback (timing, the call itself)")
    print(f"  bytes of log per callback       {len(quiet.getvalue()) / (CALLS + 1):6.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

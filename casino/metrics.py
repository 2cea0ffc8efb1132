"""The Prometheus metrics every process counts as it works, and the /metrics exposition.

Two kinds of figures:

- **Counted as things happen** (this module): wallet callback latency and answers, ledger
  postings, lock waits that ended in RETRY, Celery task outcomes. Under gunicorn's workers and
  Celery's pool each process counts into its own memory-mapped file in
  `PROMETHEUS_MULTIPROC_DIR` (prometheus-client's multiprocess mode) and a scrape adds them up,
  so any worker answers /metrics with the whole server's figures. Counting is a few
  microseconds of arithmetic on a mapped page: no lock shared between processes, no I/O.
- **Read at scrape time** (casino/backoffice.py): figures the database already holds (clock
  skew, catalog sync age, stale rounds, open discrepancies, queue depth), gauges each app
  registers. Read once per scrape, never on the money path.

`PROMETHEUS_MULTIPROC_DIR` must be set before this module is first imported (gunicorn.conf.py
sets it for the web workers; the Procfile and docker-compose.yml for Celery). Unset (tests,
management commands), the figures live in the process's memory.
"""

from __future__ import annotations

import os
import socket

from prometheus_client import CollectorRegistry, Counter, Histogram, values

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # The file of a process is named by its id. docker-compose.yml shares one folder between the
    # web and worker containers, whose process ids overlap (each container counts from 1): the
    # host name keeps their files apart. No "_": prometheus-client splits file names on it.
    _HOST = socket.gethostname().replace("_", "-")
    values.ValueClass = values.MultiProcessValue(lambda: f"{_HOST}-{os.getpid()}")

# METRICS_ENABLED=0 stops the wallet path counting (the bench's "no metrics" scenario measures
# what counting costs, docs/benchmarks.md). Leave it on: /metrics then shows no wallet figures.
ENABLED = os.environ.get("METRICS_ENABLED", "1") != "0"

# Wallet callbacks are answered in milliseconds; the alert line is 100 ms (p99).
LATENCY_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

WALLET_REQUEST_SECONDS = Histogram(
    "casino_wallet_request_seconds",
    "Wallet callback latency, from the request reaching the view to its answer.",
    ["protocol", "aggregator", "endpoint"],
    buckets=LATENCY_BUCKETS,
)
WALLET_ANSWERS = Counter(
    "casino_wallet_answers",
    "Wallet callbacks answered, by result code (OK, or the error code; Hub88: its RS_ status).",
    ["protocol", "aggregator", "endpoint", "result"],
)
WALLET_LOCK_RETRIES = Counter(
    "casino_wallet_lock_retries",
    "Money calls that could not lock or write in time (lock timeout, lost connection) and answered RETRY.",
    ["aggregator"],
)
LEDGER_POSTINGS = Counter(
    "casino_ledger_postings",
    "Ledger transactions committed, by kind and mode (real, demo).",
    ["kind", "mode"],
)
CELERY_TASKS = Counter(
    "casino_celery_tasks",
    "Celery tasks finished, by task name and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)


def exposition() -> bytes:
    """The text exposition of every metric: what this server counted (summed over its processes
    in multiprocess mode) followed by the gauges apps read at scrape time."""
    from prometheus_client import REGISTRY, generate_latest, multiprocess

    from casino import backoffice

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    scraped = CollectorRegistry()
    scraped.register(backoffice.GaugeCollector())
    return generate_latest(counted) + generate_latest(scraped)

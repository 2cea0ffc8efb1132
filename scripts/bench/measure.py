"""What `make bench` reads off a scenario (scripts/bench/run.py): locust's statistics, the
connections PostgreSQL opened, and a py-spy profile of the server on demand."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path


def database_sessions() -> int:
    """Connections PostgreSQL has opened to the bench database so far (pg_stat_database)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def read_stats(csv_prefix: Path) -> dict:
    with open(f"{csv_prefix}_stats.csv", newline="") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    failures = {}
    failures_file = Path(f"{csv_prefix}_failures.csv")
    if failures_file.exists():
        with open(failures_file, newline="") as handle:
            failures = {f"{r['Name']}: {r['Error'][:160]}": int(r["Occurrences"]) for r in csv.DictReader(handle)}
    return {
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
        "per_call": {
            name: {"requests": int(r["Request Count"]), "p50": float(r["50%"]), "p99": float(r["99%"])}
            for name, r in rows.items()
            if name != "Aggregated"
        },
        "failures": failures,
    }


def profile_workers(server: subprocess.Popen, seconds: int, out: Path) -> subprocess.Popen:
    """py-spy recording the server's processes for `seconds`, collapsed stacks into `out`."""
    command = [
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--pid",
        str(server.pid),
        "--subprocesses",
        "--duration",
        str(seconds),
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603

"""CPU and round trips per call, in-process: where `make bench` figures come from, one by one.

Runs the WSGI application in this process (no server, no load generator) against the database
that `make bench` seeded (BENCH_DB, default casino_bench: run `make bench` once first) and
prints, per call kind: the median CPU of this process per request, the mean CPU of its
database backend per request, and the statements sent to the database.

Usage: `.venv/bin/python scripts/bench/cpu.py [rounds]` (default 2000); CPU_FIRST_PLAYER (1)
picks where in the 10,000 players it starts (to run several at once on different players);
`CPU_PROFILE=1` prints a cProfile (CPU clock) instead: top CPU_TOP (25) by CPU_SORT (tottime).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
os.environ["DATABASE_URL"] = f"{PG}/{os.environ.get('BENCH_DB', 'casino_bench')}"
os.environ.setdefault("REDIS_URL", os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("BENCH_ENDPOINTS", "1")
# The ceiling checks the signature with the bench's secret, as under `make bench` (run.py).
os.environ.setdefault("BENCH_CEILING_SECRET", "bench-signing-secret")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from casino.signing import native_signature  # noqa: E402
from casino.wsgi import application  # noqa: E402 - served as gunicorn serves it

KEY_ID, SECRET = "bench-key", "bench-signing-secret"  # noqa: S105 - the bench database's aggregator
APP = application
FIRST_PLAYER = int(os.environ.get("CPU_FIRST_PLAYER", "1"))


class Statements:
    """Counts what the connection sends (an execute wrapper: sees every statement)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def call(path: str, body: dict) -> tuple[int, dict]:
    raw = json.dumps(body, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    signature = native_signature(SECRET, timestamp, raw)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8765",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_HOST": "127.0.0.1:8765",
        "HTTP_X_AGGREGATOR_KEY": KEY_ID,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_SIGNATURE": signature,
        "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "http",
    }
    status = []
    chunks = APP(environ, lambda s, h, exc_info=None: status.append(s))
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return int(status[0].split()[0]), json.loads(body)


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine)."""
    connection.ensure_connection()
    fields = Path(f"/proc/{connection.connection.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(samples: dict, counts: dict, name: str, path: str, body: dict) -> dict:
    counter = Statements()
    with connection.execute_wrapper(counter):
        database = backend_cpu()
        start = time.process_time()
        status, answer = call(path, body)
        samples.setdefault(name, []).append(time.process_time() - start)
        samples.setdefault(f"{name} (database)", []).append(backend_cpu() - database)
    counts[name] = counter.count
    if status != 200:
        raise SystemExit(f"{name}: HTTP {status} {answer}")
    return answer


def play(rounds: int) -> tuple[dict, dict]:
    samples, counts = {}, {}
    for i in range(rounds):
        n = (FIRST_PLAYER - 1 + i) % 10000 + 1
        base = {"player_id": f"bench-{n:05d}", "session_token": f"bench-session-{n:05d}", "currency": "EUR"}
        round_id = uuid.uuid4().hex
        measured(samples, counts, "balance", "/api/v1/wallet/balance", base)
        bet = {**base, "transaction_id": uuid.uuid4().hex, "round_id": round_id, "game_id": "bench-slot", "amount": 100}
        measured(samples, counts, "bet", "/api/v1/wallet/bet", bet)
        measured(samples, counts, "bet (resend)", "/api/v1/wallet/bet", bet)
        if i % 8 == 0:
            rollback = {**base, "transaction_id": uuid.uuid4().hex, "rollback_transaction_id": bet["transaction_id"]}
            measured(samples, counts, "rollback", "/api/v1/wallet/rollback", rollback)
        else:
            win = {**base, "transaction_id": uuid.uuid4().hex, "round_id": round_id, "game_id": "bench-slot"}
            measured(samples, counts, "win", "/api/v1/wallet/win", {**win, "amount": 100, "round_closed": True})
        measured(samples, counts, "ceiling", "/bench/ceiling", {"account": n, "amount": 1, "reference": round_id})
    return samples, counts


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    play(50)  # warm up: caches, prepared statements, connection
    if os.environ.get("CPU_PROFILE") == "1":
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        play(rounds)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("CPU_SORT", "tottime"))
        stats.print_stats(int(os.environ.get("CPU_TOP", "25")))
        return
    samples, counts = play(rounds)
    # The backend's CPU is counted in clock ticks (10 ms): only its mean over many calls means
    # something, not its median.
    print(f"{'call':<14}{'server CPU ms (median)':>24}{'database CPU ms (mean)':>24}{'statements':>12}")
    for name, count in counts.items():
        server, database = samples[name], samples[f"{name} (database)"]
        print(
            f"{name:<14}{statistics.median(server) * 1000:>24.2f}{statistics.mean(database) * 1000:>24.2f}{count:>12}"
        )


if __name__ == "__main__":
    main()

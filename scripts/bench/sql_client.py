"""The second ceiling of `make bench`: exactly the project's statements for a bet, sent by a
minimal psycopg client, without HTTP, Django or our Python (scripts/bench/run.py, "sql" scenarios).

The report then separates what the framework and our Python cost (the server's CPU, the
difference between "bets" and this) from what the data model costs (the database's CPU, which
is the same in both).

1. Captures the statements one real bet sends (in this process, through the WSGI application,
   with an execute wrapper that records each statement and its parameters), on a player outside
   the ones the scenario plays (the last one seeded).
2. Replays them on BENCH_CONNECTIONS closed-loop connections (a process each) during BENCH_SECONDS, each on a
   random player among BENCH_PLAYERS, as the money path sends them: the lock and the reads in one
   pipeline (prepared statements), then the one write statement, then COMMIT. The values that
   name the call (transaction and round ids, the player's session token, wallet, player and
   session ids, the balance after, the timestamps) are put in place of the captured ones; the
   rest (statements, every other value) is what our code sent.
3. Writes requests, errors, rate and latency percentiles as JSON to the path given.

BENCH_SQL_COMMIT_IN_PIPELINE=1 weighs an option the money path does not take: the write and the
COMMIT sent together (one round trip less under the wallet lock; docs/benchmarks.md).

Usage (run.py does this): python scripts/bench/sql_client.py OUT.json
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAYERS = int(os.environ.get("BENCH_PLAYERS", "1000"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
CAPTURE_PLAYER = int(os.environ.get("BENCH_CAPTURE_PLAYER", "10000"))
KEY_ID = os.environ.get("BENCH_KEY_ID", "bench-key")
SECRET = os.environ.get("BENCH_SECRET", "bench-signing-secret")
COMMIT_IN_PIPELINE = os.environ.get("BENCH_SQL_COMMIT_IN_PIPELINE") == "1"


def capture() -> tuple[list[tuple[str, list]], dict]:
    """One bet through the WSGI application: the statements it sent, in order, with the values
    that name it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from casino.models import GameSession
    from wallet.models import Wallet

    n = CAPTURE_PLAYER
    session = GameSession.objects.select_related("player").get(token=f"bench-session-{n:05d}")
    wallet = Wallet.objects.get(player=session.player, currency_id="EUR", mode="real")
    names = {
        "tx": uuid.uuid4().hex,
        "round": uuid.uuid4().hex,
        "token": session.token,
        "external": session.player.external_id,
        "ids": (session.player_id, wallet.pk, session.pk),
        "balance_after": wallet.balance - 100,
    }
    body = {
        "player_id": session.player.external_id,
        "session_token": session.token,
        "currency": "EUR",
        "transaction_id": names["tx"],
        "round_id": names["round"],
        "game_id": "bench-slot",
        "amount": 100,
    }
    app = WSGIHandler()
    # A first bet on another player warms the caches (aggregator, currencies), so the one we
    # capture sends only what every bet sends.
    sent: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        sent.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    status: list[str] = []
    warm = {
        **body,
        "player_id": f"bench-{n - 1:05d}",
        "session_token": f"bench-session-{n - 1:05d}",
        "transaction_id": uuid.uuid4().hex,
        "round_id": uuid.uuid4().hex,
    }
    b"".join(app(signed_environ(warm), lambda s, h, exc_info=None: status.append(s)))
    with connection.execute_wrapper(record):
        b"".join(app(signed_environ(body), lambda s, h, exc_info=None: status.append(s)))
    if not all(answer.startswith("200") for answer in status):
        raise SystemExit(f"capture: the bets answered {status}")
    names["at"] = datetime.now().astimezone()
    connection.close()
    return sent, names


def signed_environ(body: dict) -> dict:
    from casino.signing import native_signature

    raw = json.dumps(body, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/wallet/bet",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_AGGREGATOR_KEY": KEY_ID,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_SIGNATURE": native_signature(SECRET, timestamp, raw),
        "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "http",
    }


def slots(statements: list[tuple[str, list]], names: dict) -> list[tuple[str, list]]:
    """Each captured parameter becomes a slot: a name to fill per call, or a constant."""
    from wallet.rows import numbered

    ids = set(names["ids"])
    if len(ids) != 1:
        raise SystemExit(f"capture: player, wallet and session ids differ {names['ids']}: replay needs them equal")
    templated = []
    for sql, params in statements:  # the record of what is replayed, in the scenario's log
        print(f"captured: {sql[:160]}... {len(params)} parameters", file=sys.stderr)
    for sql, params in statements:
        row = []
        for value in params:
            if isinstance(value, str) and value in (names["tx"], names["round"], names["token"], names["external"]):
                row.append(
                    (
                        "name",
                        {names["tx"]: "tx", names["round"]: "round", names["token"]: "token"}.get(value, "external"),
                    )
                )
            elif isinstance(value, bool) or not isinstance(value, (int, datetime)) and not hasattr(value, "obj"):
                row.append(("const", value))
            elif isinstance(value, int) and value in ids:
                row.append(("name", "id"))
            elif isinstance(value, int) and value == names["balance_after"]:
                row.append(("name", "balance_after"))
            elif isinstance(value, datetime) and abs(value - names["at"]) < timedelta(minutes=1):
                row.append(("name", "now"))
            elif hasattr(value, "obj"):  # psycopg Jsonb: the call's request
                row.append(("json", value))
            else:
                row.append(("const", value))
        # Numbered once, as the money path sends them (wallet/rows.py), and sent by a RawCursor.
        templated.append((numbered(sql), row))
    return templated


def fill(row: list, values: dict, names: dict) -> list:
    out = []
    for kind, value in row:
        if kind == "name":
            out.append(values[value])
        elif kind == "json":
            swap = {names["tx"]: values["tx"], names["round"]: values["round"], names["token"]: values["token"]}
            swap[names["external"]] = values["external"]
            out.append(type(value)({k: swap.get(v, v) if isinstance(v, str) else v for k, v in value.obj.items()}))
        else:
            out.append(value)
    return out


def connection_loop(templated: list[tuple[str, list]], names: dict, deadline: float, results) -> None:
    """One closed-loop connection, in a process of its own (threads would queue on the GIL while
    holding the row lock, which a hot player's bets would measure instead of the database)."""
    import psycopg

    *reads, write = templated
    conn = psycopg.connect(os.environ["DATABASE_URL"], prepare_threshold=5, cursor_factory=psycopg.RawCursor)
    latencies, failed = [], []
    while time.monotonic() < deadline:
        n = random.randint(1, PLAYERS)
        values = {
            "tx": uuid.uuid4().hex,
            "round": uuid.uuid4().hex,
            "token": f"bench-session-{n:05d}",
            "external": f"bench-{n:05d}",
            "id": n,
            "now": datetime.now().astimezone(),
        }
        start = time.perf_counter()
        try:
            # psycopg begins the transaction with the first statement (autocommit off).
            with conn.pipeline():
                cursors = [conn.cursor() for _ in reads]
                for cursor, (sql, row) in zip(cursors, reads, strict=True):
                    cursor.execute(sql, fill(row, values, names))
            locked = cursors[0].fetchone()
            balance = locked[[d.name for d in cursors[0].description].index("balance")]
            values["balance_after"] = balance - 100
            if COMMIT_IN_PIPELINE:
                with conn.pipeline():
                    written = conn.execute(write[0], fill(write[1], values, names))
                    conn.commit()  # queued after the write: one round trip for both
                written.fetchone()
            else:
                conn.execute(write[0], fill(write[1], values, names)).fetchone()
                conn.commit()
            latencies.append(time.perf_counter() - start)
        except psycopg.Error as exc:
            conn.rollback()
            failed.append(str(exc)[:160])
    conn.close()
    results.put((latencies, failed))


def replay(templated: list[tuple[str, list]], names: dict, out: Path) -> None:
    import multiprocessing

    results = multiprocessing.Queue()
    deadline = time.monotonic() + SECONDS
    workers = [
        multiprocessing.Process(target=connection_loop, args=(templated, names, deadline, results))
        for _ in range(CONNECTIONS)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors: list[str] = []
    for _ in workers:
        mine, failed = results.get()
        latencies += mine
        errors += failed
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(p * len(ms)))] if ms else 0.0

    out.write_text(
        json.dumps(
            {
                "requests": len(ms) + len(errors),
                "errors": len(errors),
                "rps": len(ms) / elapsed,
                "p50": pct(0.50),
                "p95": pct(0.95),
                "p99": pct(0.99),
                "mean": statistics.mean(ms) if ms else 0.0,
                "per_call": {},
                "failures": {e: errors.count(e) for e in set(errors)},
            }
        )
    )


if __name__ == "__main__":
    statements, captured_names = capture()
    replay(slots(statements, captured_names), captured_names, Path(sys.argv[1]))

"""`make bench-audit`: the audit log at scale (issue 12), on a database of its own.

1. Recreates BENCH_AUDIT_DB (default casino_bench_audit), migrates, and writes BENCH_AUDIT_RECORDS
   (1,000,000) audit records as a valid hash chain (COPY, in the chain's order).
2. Exports them all with `manage.py export_audit` (CSV, then JSON Lines) and, for comparison, a
   tenth of them: wall time, records/s and the exporting process's peak memory (RSS); flat
   memory means the peak does not grow with the number of records.
3. The admin's export (StreamingHttpResponse, read to the end by a client in its own process).
4. verify_audit over the whole chain.
5. The money path while the audit chain is held: BENCH_AUDIT_BETS (1000) bets timed with nobody on the
   chain, then again while another connection holds the chain's lock (a staff transaction
   appending) and a third appends records all along. If bets waited on the chain, the second
   run would show it (its p99 would reach the holding time).

Prints every figure; docs/benchmarks.md ("Audit log") keeps a run's.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench"
RECORDS = int(os.environ.get("BENCH_AUDIT_RECORDS", "1000000"))
BETS = int(os.environ.get("BENCH_AUDIT_BETS", "1000"))
# Below DB_LOCK_TIMEOUT_MS (2 s): the appender waits for the chain rather than giving up.
HOLD_SECONDS = float(os.environ.get("BENCH_AUDIT_HOLD_SECONDS", "1.5"))
# "money": only the money-path measurement (no million records).
ONLY = os.environ.get("BENCH_AUDIT_ONLY", "")
DB_NAME = os.environ.get("BENCH_AUDIT_DB", "casino_bench_audit")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DAY = datetime(2026, 1, 15, tzinfo=UTC)
SESSION_TOKEN = "bench-audit-session"  # noqa: S105 - the throwaway bench database's

if DB_NAME in ("casino", "postgres", "template0", "template1"):
    sys.exit(f"BENCH_AUDIT_DB={DB_NAME!r}: the bench drops its database; give it one of its own")


def log(message: str) -> None:
    print(f"[bench-audit {time.strftime('%H:%M:%S')}] {message}", flush=True)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def environment() -> dict:
    env = dict(os.environ, DATABASE_URL=f"{PG}/{DB_NAME}", CASINO_ENV="local", REDIS_URL="")
    env.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-server")
    env.setdefault("FRONTEND_API_KEYS", "dev-frontend-key")
    env.setdefault("FIELD_ENCRYPTION_KEYS", "aeqzOkdKPUBvaVg9qkgYIJkFH_D_o82Fx-hqYjqL8vg=")
    env.setdefault("LOCAL_CACHE_DIR", str(OUT / "cache-audit"))
    return env


def manage(*args: str, stdout=None) -> None:
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=environment(), check=True, stdout=stdout)  # noqa: S603 - our own


def django_setup() -> None:
    os.environ.update(environment())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed_chain(count: int) -> None:
    """`count` records over DAY, hashed and chained as audit_append would, written by COPY."""
    from django.db import connection

    from compliance.audit.chain import GENESIS, audit_hash
    from compliance.models import AuditRecord

    kinds = ["change.update", "auth.login", "money_request.requested", "rg.limit_set", "export.audit"]
    step = timedelta(seconds=86_000 / count)
    previous = GENESIS
    columns = ["created_at", "kind", "actor_id", "actor", "ip_address", "object_type", "object_id", "object_repr",
               "player", "changes", "reason", "prev_hash", "hash"]  # fmt: skip
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY compliance_auditrecord ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for i in range(count):
            record = AuditRecord(
                created_at=DAY + step * i,
                kind=kinds[i % len(kinds)],
                actor_id=i % 40,
                actor=f"staff-{i % 40}",
                ip_address=f"10.0.{i % 250}.{i % 200}",
                object_type="casino.player",
                object_id=str(i % 50_000),
                object_repr=f"player-{i % 50_000}",
                player=f"player-{i % 50_000}",
                changes={"status": ["active", "blocked"], "note": 'ünïcödé, "quoted"'},
                reason="bench",
                prev_hash=previous,
            )
            record.hash = previous = audit_hash(record)
            copy.write_row([getattr(record, name) if name != "changes" else json.dumps(record.changes)
                            for name in columns])  # fmt: skip
            if (i + 1) % 200_000 == 0:
                log(f"  {i + 1} records written")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE compliance_auditrecord")


def timed_child(args: list[str], output: Path | None = None) -> tuple[float, float]:
    """Run `args` in a child process; its wall time (s) and peak RSS (MB)."""
    started = time.monotonic()
    with open(os.devnull, "w") as devnull:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            args, cwd=ROOT, env=environment(), stdout=devnull, stderr=subprocess.DEVNULL
        )
        _pid, _status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - started
    if _status != 0:
        sys.exit(f"{args} failed ({_status})")
    return elapsed, usage.ru_maxrss / 1024


def export_command(fmt: str, count: int) -> tuple[float, float, int]:
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"audit-export.{fmt}"
    end = DAY + timedelta(seconds=86_000 * count / RECORDS + 1)
    elapsed, peak = timed_child(
        [
            sys.executable,
            "manage.py",
            "export_audit",
            "--from",
            DAY.isoformat(),
            "--to",
            end.isoformat(),
            "--format",
            fmt,
            "--output",
            str(target),
        ]  # fmt: skip
    )
    with open(target, "rb") as file:
        lines = sum(1 for _ in file)
    return elapsed, peak, lines - (1 if fmt == "csv" else 0)


ADMIN_CLIENT = """
import os, sys, django
django.setup()
from django.contrib.auth.models import User
from django.test import Client
from tests.staff import staff_in
user = User.objects.filter(username="bench-compliance").first() or staff_in("Compliance", "bench-compliance")
client = Client()
client.force_login(user)
form = {"start": sys.argv[1], "end": sys.argv[2], "format": "csv"}
response = client.post("/admin/compliance/auditrecord/export/", form)
assert response.streaming, response.status_code
size = sum(len(chunk) for chunk in response.streaming_content)
print(size)
"""


def export_admin() -> tuple[float, float]:
    end = DAY + timedelta(days=1)
    return timed_child([sys.executable, "-c", ADMIN_CLIENT, DAY.isoformat(), end.isoformat()])


def bets_while(hold: bool) -> list[float]:
    """BETS bets, one after the other; while `hold`, another connection holds the audit chain's
    lock (re-taken every HOLD_SECONDS) and a third appends records all along."""
    from django.db import OperationalError, connection, connections, transaction

    from casino.models import Aggregator, GameSession
    from compliance.audit.chain import CHAIN_LOCK_KEY, audit_append
    from compliance.models import AuditRecord
    from wallet.services import MoneyCall, wallet_process_call

    aggregator = Aggregator.objects.get(code="bench-audit")
    session = GameSession.objects.get(token=SESSION_TOKEN)
    stop = threading.Event()
    threads = []
    timeouts: list[int] = []

    def holder():
        while not stop.is_set():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
                stop.wait(HOLD_SECONDS)
        connections.close_all()

    def appender():
        while not stop.is_set():
            try:
                audit_append(kind="bench.append", actor="bench")
            except OperationalError:  # waited past DB_LOCK_TIMEOUT_MS for the chain
                timeouts.append(1)
        connections.close_all()

    if hold:
        threads = [threading.Thread(target=holder), threading.Thread(target=appender)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
    timings = []
    for i in range(BETS):
        call = MoneyCall(
            aggregator=aggregator, kind="bet", transaction_id=f"bet-{hold}-{i}", player_id="bench-audit-player",
            session_token=session.token, currency="EUR", amount=1, round_id=f"r-{hold}-{i}", game_code="bench",
        )  # fmt: skip
        started = time.perf_counter()
        answer = wallet_process_call(call=call)
        timings.append((time.perf_counter() - started) * 1000)
        assert answer.code == "OK", answer
    stop.set()
    for thread in threads:
        thread.join()
    if hold:
        appended = AuditRecord.objects.filter(kind="bench.append").count()
        log(f"  while the bets ran, {appended} records were appended to the chain ({len(timeouts)} appends timed out)")
    return timings


def seed_player() -> None:
    from casino.models import Player
    from games.services import aggregator_create, session_open
    from wallet.services import wallet_deposit, wallet_open

    aggregator = aggregator_create(code="bench-audit", signing_secret="bench-secret", key_id="bench-audit")  # noqa: S106
    player = Player.objects.create(external_id="bench-audit-player", country="MT")
    wallet_deposit(wallet_id=wallet_open(player=player, currency="EUR").pk, amount=10**9, memo="bench")
    session = session_open(player=player, aggregator=aggregator, game_code="bench", currency="EUR")
    type(session).objects.filter(pk=session.pk).update(token=SESSION_TOKEN)


def percentiles(timings: list[float]) -> str:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"


def main() -> int:
    log(f"database {DB_NAME}; {RECORDS} records; {BETS} bets per money-path run")
    recreate_database()
    manage("migrate", "-v0")
    django_setup()
    figures = []
    if ONLY != "money":
        figures += exports_and_verify()
    seed_player()
    quiet, held = bets_while(False), bets_while(True)
    figures.append(f"bets, audit chain idle:               {percentiles(quiet)}")
    figures.append(f"bets, chain held {HOLD_SECONDS:.1f} s at a time + appends: {percentiles(held)}")
    log(figures[-2])
    log(figures[-1])
    print("\n".join(["", "Audit log benchmark", *figures]), flush=True)
    return 0


def exports_and_verify() -> list[str]:
    started = time.monotonic()
    seed_chain(RECORDS)
    log(f"seeded {RECORDS} chained records in {time.monotonic() - started:.0f} s")
    figures = []
    for fmt, count in (("csv", RECORDS // 10), ("csv", RECORDS), ("jsonl", RECORDS)):
        elapsed, peak, lines = export_command(fmt, count)
        assert lines >= count - 1, (lines, count)
        figures.append(f"export_audit {fmt:<5} {lines:>9} records: {elapsed:6.1f} s ({lines / elapsed:>9,.0f}/s), "
                       f"peak RSS {peak:6.1f} MB")  # fmt: skip
        log(figures[-1])
    elapsed, peak = export_admin()
    figures.append(
        f"admin export csv {RECORDS:>9} records: {elapsed:6.1f} s, peak RSS {peak:6.1f} MB (client and server)"
    )
    log(figures[-1])
    elapsed, peak = timed_child([sys.executable, "manage.py", "verify_audit", "--heads", str(OUT / "no-heads")])
    figures.append(f"verify_audit     {RECORDS:>9} records: {elapsed:6.1f} s, peak RSS {peak:6.1f} MB")
    log(figures[-1])
    return figures


if __name__ == "__main__":
    sys.exit(main())

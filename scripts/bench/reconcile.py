"""`make bench-reconcile`: reconcile a window of a million transactions on each side.

1. Recreates the database BENCH_DB (default casino_bench_reconcile: never the project's own),
   migrates, and writes BENCH_ROWS (1,000,000) call records of one aggregator into one hour
   with SQL (bets and wins over 1,000 players; one bet in fifty rolled back).
2. Streams the aggregator's side (the same transactions, with BENCH_SEEDED differences of each
   class) from a Python generator into the run: COPY into the staging table, then the
   comparison in SQL, exactly as a pulled report is read.
3. Prints the time of each stage, rows/s and the peak memory of this process, for the full
   window and for a tenth of it (flat memory: the peak must not grow with the rows), and checks
   that the run found exactly the seeded differences.

Settings (environment): BENCH_ROWS (1000000), BENCH_SEEDED (100), BENCH_DB, BENCH_PG
(postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import itertools
import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
SEEDED = int(os.environ.get("BENCH_SEEDED", "100"))
DB_NAME = os.environ.get("BENCH_DB", "casino_bench_reconcile")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PLAYERS = 1000
HOUR = datetime(2026, 1, 5, 10, tzinfo=UTC)

if DB_NAME in ("casino", "postgres", "template0", "template1"):
    sys.exit(f"BENCH_DB={DB_NAME!r}: the bench drops its database; give it one of its own")


def log(message: str) -> None:
    print(f"[bench-reconcile {time.strftime('%H:%M:%S')}] {message}", flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
    os.environ.setdefault("CASINO_ENV", "local")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-server")
    os.environ.setdefault("FRONTEND_API_KEYS", "bench-only-frontend-key")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1hbnktc2VydmU=")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(rows: int) -> int:
    """`rows` call records in one hour: transaction n is a bet (even n) or the win of the bet
    before it (odd n); every 50th bet also has an applied rollback (counted in the rows)."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from casino.models import GameSession, Mode, Player
    from games.services import aggregator_create
    from wallet.models import Wallet
    from wallet.partitions import partitions_create_since

    call_command("migrate", verbosity=0)
    partitions_create_since(HOUR, at=timezone.now())  # the hour's month has its partition
    aggregator = aggregator_create(code="bench", signing_secret="bench-secret", key_id="bench-key")  # noqa: S106 - throwaway
    players = Player.objects.bulk_create([Player(external_id=f"p-{n}", country="MT") for n in range(PLAYERS)])
    Wallet.objects.bulk_create([Wallet(player=p, currency_id="EUR", mode=Mode.REAL) for p in players])
    GameSession.objects.bulk_create(
        [
            GameSession(
                token=f"s-{n}",
                player=p,
                aggregator=aggregator,
                game_code="slot",
                currency_id="EUR",
                expires_at=timezone.now() + timedelta(days=1),
            )
            for n, p in enumerate(players)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO wallet_aggregatortransaction (aggregator_id, external_id, kind, mode, wallet_id, session_id,
                amount, game_code, spin_type, round_closed, reference_id, request, outcome, result_code, message,
                rg_reason, created_at)
            SELECT %(agg)s, CASE WHEN n %% 100 = 99 THEN 'rb-' || (n - 1) ELSE 't-' || n END,
                   CASE WHEN n %% 100 = 99 THEN 'rollback' WHEN n %% 2 = 0 THEN 'bet' ELSE 'win' END,
                   'real', w.id, s.id, 100 + n %% 7, 'slot', 'cash', n %% 2 = 1,
                   CASE WHEN n %% 100 = 99 THEN 't-' || (n - 1) ELSE '' END,
                   '{}'::jsonb, 'applied', 'OK', '', '',
                   %(start)s + (n * 3600.0 / %(rows)s) * interval '1 second'
            FROM generate_series(0, %(rows)s - 1) AS n
            JOIN wallet_wallet w ON w.player_id = (SELECT MIN(id) FROM casino_player) + (n / 2) %% %(players)s
            JOIN casino_gamesession s ON s.player_id = w.player_id
            """,
            {"agg": aggregator.pk, "start": HOUR, "rows": rows, "players": PLAYERS},
        )
        cursor.execute("ANALYZE")
    return aggregator.pk


def their_side(rows: int, seeded: int):
    """The aggregator's rows, generated one at a time (never a list): the same transactions, with
    `seeded` of each class made different. Returns (generator, expected counts)."""
    from reconciliation.parsing import TheirRow

    step = 3600.0 / rows
    # Which transaction numbers carry which difference (bets only, spread over the hour).
    picks = {}
    # islice over a generator: a list of every bet number would itself grow with the rows.
    bets = list(itertools.islice((n for n in range(0, rows, 2) if n % 100 != 98), seeded * 6))
    for i, kind in enumerate(["missing_there", "amount", "currency", "twice", "status", "missing_here"]):
        for n in bets[i * seeded : (i + 1) * seeded]:
            picks[n] = kind

    def rows_of():
        for n in range(rows):
            at = HOUR + timedelta(seconds=n * step)
            if n % 100 == 99:
                yield TheirRow(
                    f"rb-{n - 1}", "rollback", f"p-{(n // 2) % PLAYERS}", "", 100 + n % 7, "EUR", "settled", at
                )
                continue
            kind = "bet" if n % 2 == 0 else "win"
            status = "rolled_back" if n % 100 == 98 else "settled"
            row = TheirRow(f"t-{n}", kind, f"p-{(n // 2) % PLAYERS}", "", 100 + n % 7, "EUR", status, at)
            pick = picks.get(n)
            if pick == "missing_there":
                continue
            if pick == "amount":
                row = row._replace(amount=row.amount + 1)
            elif pick == "currency":
                row = row._replace(currency="USD")
            elif pick == "status":
                row = row._replace(status="refused")
            elif pick == "missing_here":
                row = row._replace(external_id=f"x-{n}")
                yield TheirRow(f"t-{n}", kind, row.player_id, "", row.amount, "EUR", "settled", at)
            yield row
            if pick == "twice":
                yield row

    expected = dict.fromkeys(
        ["missing_there", "amount_mismatch", "currency_mismatch", "duplicate_there", "status_mismatch", "missing_here"],
        seeded,
    )
    return rows_of(), expected


def reconcile(aggregator_id: int, rows: int, seeded: int, start: datetime, end: datetime) -> dict:
    from reconciliation.services.runs import reconciliation_run

    marks: dict[str, float] = {}

    def progress(stage: str, count: int) -> None:
        marks.setdefault(stage, time.perf_counter())

    generator, expected = their_side(rows, seeded)
    began = time.perf_counter()
    run = reconciliation_run(aggregator_id=aggregator_id, start=start, end=end, rows=generator, progress=progress)
    total = time.perf_counter() - began
    staged = marks.get("compare", began) - began
    return {
        "run": run,
        "expected": expected,
        "total": total,
        "stage": staged,
        "compare": total - staged,
        "peak_mb": peak_rss_mb(),
    }


def main() -> int:
    log(f"database {DB_NAME}: recreated; {ROWS:,} call records in one hour")
    recreate_database()
    setup_django()
    began = time.perf_counter()
    aggregator_id = seed(ROWS)
    log(f"seeded in {time.perf_counter() - began:.1f} s; peak memory so far {peak_rss_mb():.0f} MB")

    from django.db import connection

    ok = True
    # A tenth of the hour first (a tenth of the rows on each side), then the whole hour: the
    # peak memory of this process must stay where it was (their side streams through COPY).
    for label, fraction, seeded in (("a tenth", 10, SEEDED // 10 or 1), ("the hour", 1, SEEDED)):
        rows = ROWS // fraction
        end = HOUR + timedelta(seconds=3600 / fraction)
        result = reconcile(aggregator_id, rows, seeded, HOUR, end)
        run = result["run"]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reconciliation_discrepancy")  # the next pass starts clean
            cursor.execute("DELETE FROM reconciliation_historicaldiscrepancy")
        found_ok = run.status == "succeeded" and run.counts == result["expected"]
        ok &= found_ok
        both = run.their_rows + run.our_rows
        log(
            f"{label}: theirs {run.their_rows:,} rows, ours {run.our_rows:,}: {result['total']:.1f} s"
            f" (staging {result['stage']:.1f} s at {run.their_rows / max(result['stage'], 1e-9):,.0f} rows/s,"
            f" comparing and writing {result['compare']:.1f} s); {both / result['total']:,.0f} rows/s both sides;"
            f" peak memory {result['peak_mb']:.0f} MB"
        )
        verdict = "as seeded" if found_ok else f"NOT as seeded: {result['expected']}"
        log(f"  found {run.counts or run.error} — {verdict}")
    log("target: the hour under 30 s with flat memory" + ("" if ok else "; FOUND COUNTS WRONG"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

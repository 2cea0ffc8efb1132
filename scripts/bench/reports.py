"""Benchmark of the finance reports (docs/benchmarks.md, "Finance reports"): a month of play
written straight into the ledger, 10,000,000 ledger rows, then

1. the rollup catches up on the month (timed),
2. one more day of play is written and the rollup catches up on that day (timed: target < 60 s),
3. a month's report is read as the admin page serves it (timed: target < 1 s), and printed.

    BENCH_REPORT_DAYS=30 BENCH_REPORT_ROUNDS_PER_DAY=53764 .venv/bin/python scripts/bench/reports.py

Needs the Makefile's TEST_ENV and a PostgreSQL at DATABASE_URL's server; it drops and recreates
the database `casino_report_bench` (never the project's own). Rows are written with SQL in bulk
with triggers off (session_replication_role = replica: the per-row balance trigger would take
hours); every transaction is still balanced (two legs, opposite amounts), but the entries'
balance_after is not a running balance, so check_ledger is not claimed on this database.
Each round is a bet and a win: two ledger transactions and four ledger entries, six ledger rows.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DB = "casino_report_bench"
DAYS = int(os.environ.get("BENCH_REPORT_DAYS", "30"))
ROUNDS_PER_DAY = int(os.environ.get("BENCH_REPORT_ROUNDS_PER_DAY", "53764"))  # 31 days x 6 rows: 10.0M
PLAYERS, GAMES, PROVIDERS = 10_000, 50, 10


def _bench_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{DB}"))


def _recreate_database() -> None:
    import psycopg

    admin = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def _seed_catalog():
    from casino.models import Player
    from games.models import Game, Provider, ProviderContract
    from games.services import aggregator_create
    from wallet.models import HouseAccount

    aggregator = aggregator_create(code="bench", signing_secret="bench-secret", key_id="bench-key")  # noqa: S106
    providers = [
        Provider.objects.create(aggregator=aggregator, code=f"studio-{p}", name=f"Studio {p}") for p in range(PROVIDERS)
    ]
    for provider in providers:
        ProviderContract.objects.create(provider=provider, revenue_share_percent=10 + providers.index(provider))
    for g in range(GAMES):
        Game.objects.create(
            aggregator=aggregator, external_id=str(g), code=f"game-{g}", provider=providers[g % PROVIDERS], name=f"G{g}"
        )
    game_account = HouseAccount.objects.create(kind="game", aggregator=aggregator, currency_id="EUR", mode="real")
    cashier = HouseAccount.objects.create(kind="cashier", currency_id="EUR", mode="real")
    Player.objects.bulk_create([Player(external_id=f"p{i}", country="MT") for i in range(PLAYERS)], batch_size=5000)
    return aggregator, game_account, cashier


def _write_rounds(cursor, *, aggregator_id: int, game_account: int, first: int, count: int, start: datetime):
    """Rounds first..first+count-1 (1-based), each a bet and a win: round n's bet is ledger
    transaction 2n-1 and its win 2n; spread evenly over the days from `start`."""
    seconds = 86400 / ROUNDS_PER_DAY
    params = {"first": first, "last": first + count - 1, "agg": aggregator_id, "house": game_account,
              "start": start, "step": seconds, "players": PLAYERS, "games": GAMES}  # fmt: skip
    cursor.execute(
        """
        INSERT INTO wallet_gameround (id, aggregator_id, external_id, wallet_id, session_id, game_code, status,
            live_bets, rolled_back_bets, bet_total, win_total, opened_at, last_activity_at, closed_at)
        SELECT n, %(agg)s, 'r' || n, (SELECT min(id) FROM wallet_wallet) + n %% %(players)s, NULL,
               'game-' || (n %% %(games)s), 'closed', 1, 0, 100 + (n * 7919) %% 900, 0,
               %(start)s + make_interval(secs => (n - %(first)s) * %(step)s),
               %(start)s + make_interval(secs => (n - %(first)s) * %(step)s),
               %(start)s + make_interval(secs => (n - %(first)s) * %(step)s)
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) n
        """,
        params,
    )
    cursor.execute(
        """
        INSERT INTO wallet_ledgertransaction (id, kind, mode, currency_id, wallet_id, aggregator_id, round_id,
            reference, created_by_id, memo, created_at)
        SELECT 2 * n - 1 + k, CASE k WHEN 0 THEN 'bet' ELSE 'win' END, 'real', 'EUR', r.wallet_id, %(agg)s, n,
               CASE k WHEN 0 THEN 'b' ELSE 'w' END || n, NULL, '', r.opened_at + make_interval(secs => k)
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) n JOIN wallet_gameround r ON r.id = n
        CROSS JOIN (VALUES (0), (1)) legs(k)
        """,
        params,
    )
    # Bets of 1.00-9.99, wins of 0 to 1.5 times the bet, plus a cent (entries are never zero).
    cursor.execute(
        """
        INSERT INTO wallet_ledgerentry (transaction_id, wallet_id, house_account_id, amount, balance_after,
            created_at)
        SELECT t.id, CASE s WHEN 0 THEN t.wallet_id END, CASE s WHEN 1 THEN %(house)s END,
               CASE WHEN t.kind = 'bet' THEN -1 ELSE 1 END * CASE s WHEN 0 THEN 1 ELSE -1 END
                 * CASE WHEN t.kind = 'bet' THEN 100 + (t.round_id * 7919) %% 900
                        ELSE ((100 + (t.round_id * 7919) %% 900) * (t.round_id %% 4)) / 2 + 1 END,
               CASE s WHEN 0 THEN 0 END, t.created_at
        FROM wallet_ledgertransaction t CROSS JOIN (VALUES (0), (1)) legs(s)
        WHERE t.id BETWEEN 2 * %(first)s - 1 AND 2 * %(last)s
        """,
        params,
    )


def main() -> None:
    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
    if os.environ.get("BENCH_REPORT_READS_ONLY") == "1":
        # Time the reads again on the database of the last run (after a change to the reads).
        import django

        django.setup()
        _time_reads()
        return
    _recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from games.reports.rollup import rollup_ledger
    from wallet.models import Wallet
    from wallet.partitions import partitions_create_since

    call_command("migrate", verbosity=0)
    aggregator, game_account, _ = _seed_catalog()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO wallet_wallet (player_id, currency_id, mode, balance, created_at)"
            " SELECT id, 'EUR', 'real', 0, now() FROM casino_player"
        )
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = today - timedelta(days=DAYS + 1)
    month_rounds = DAYS * ROUNDS_PER_DAY
    # The ledger's monthly partitions for the days written (wallet/partitions.py).
    partitions_create_since(month_start, at=today)

    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        _write_rounds(cursor, aggregator_id=aggregator.pk, game_account=game_account.pk, first=1,
                      count=month_rounds, start=month_start)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"wrote {DAYS} days: {month_rounds:,} rounds in {time.monotonic() - started:.0f} s", flush=True)

    started = time.monotonic()
    month = rollup_ledger(settle_seconds=0)
    month_seconds = time.monotonic() - started
    print(f"rollup of the month: {month.batches} batches in {month_seconds:.1f} s", flush=True)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        _write_rounds(cursor, aggregator_id=aggregator.pk, game_account=game_account.pk, first=month_rounds + 1,
                      count=ROUNDS_PER_DAY, start=month_start + timedelta(days=DAYS))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM wallet_ledgertransaction), (SELECT count(*) FROM wallet_ledgerentry)"
        )
        transactions, entries = cursor.fetchone()
        cursor.execute("ANALYZE")
    print(f"ledger: {transactions:,} transactions + {entries:,} entries = {transactions + entries:,} rows", flush=True)

    started = time.monotonic()
    day = rollup_ledger(settle_seconds=0)
    day_seconds = time.monotonic() - started
    print(f"rollup of one more day ({2 * ROUNDS_PER_DAY:,} ledger transactions): {day.batches} batch(es) in"
          f" {day_seconds:.1f} s (target < 60 s)", flush=True)  # fmt: skip

    _time_reads()
    print(f"wallets: {Wallet.objects.count():,}")


def _time_reads() -> None:
    from games.models import DailyFigures
    from games.reports.figures import ReportQuery, report_rows, royalties

    days = DailyFigures.objects.order_by("day").values_list("day", flat=True)
    first, last = days.first(), days.last()
    page = _time_admin_page(first, last)
    timings = []
    for by in (("day",), ("day", "provider", "game"), ("month", "provider")):
        started = time.monotonic()
        rows = report_rows(ReportQuery(start=first, end=last, by=by))
        timings.append((by, len(rows), time.monotonic() - started))
    started = time.monotonic()
    due = royalties(start=first, end=last)
    royalty_seconds = time.monotonic() - started
    for by, count, seconds in timings:
        print(f"report {first}..{last} by {'+'.join(by)}: {count} rows in {seconds * 1000:.0f} ms")
    print(f"royalties of the month: {len(due)} rows in {royalty_seconds * 1000:.0f} ms")
    print(f"admin report page (month by day, with chart and royalties): {page * 1000:.0f} ms (target < 1 s)")


def _time_admin_page(first: date, last: date) -> float:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(username="bench-admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    url = f"/admin/games/dailyfigures/report/?start={first}&end={last}&by=day"
    client.get(url)  # warm: templates, the connection
    started = time.monotonic()
    response = client.get(url)
    seconds = time.monotonic() - started
    assert response.status_code == 200, response.status_code
    return seconds


if __name__ == "__main__":
    main()

"""How fast the dashboard (admin index) and the player page answer on a big ledger.

    python scripts/bench/dashboard.py      (with the Makefile's TEST_ENV; about 10 min on 2 cores)

1. Recreates DASH_DB (default casino_bench_dash: never the project's own), migrates, and writes
   in bulk DASH_TRANSACTIONS ledger transactions (default 5,000,000: 10,000,000 ledger entries)
   spread over the last DASH_DAYS days (30) across DASH_PLAYERS players (2,000), two aggregators
   and two currencies, a tenth of them demo; DASH_CALLS call records (1,000,000) over the last
   24 h; and one player with DASH_ROUNDS rounds (100,000), each a bet and a win with their
   ledger rows. The rows are balanced by construction; the ledger's triggers are off only while
   they are bulk-written.
2. Rolls the backlog up (wallet/services/rollups.py) and prints how long it took.
3. Times the admin index (every panel) and the player page (first page, a deep page, one round,
   the search by transaction id) through Django's test client, DASH_REPEAT times each (5), and
   prints the median and the slowest; then again with DASH_TAIL (20,000) transactions written
   after the last rollup, which the dashboard reads live.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB_NAME = os.environ.get("DASH_DB", "casino_bench_dash")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
TRANSACTIONS = int(os.environ.get("DASH_TRANSACTIONS", "5000000"))
CALLS = int(os.environ.get("DASH_CALLS", "1000000"))
PLAYERS = int(os.environ.get("DASH_PLAYERS", "2000"))
ROUNDS = int(os.environ.get("DASH_ROUNDS", "100000"))
DAYS = int(os.environ.get("DASH_DAYS", "30"))
TAIL = int(os.environ.get("DASH_TAIL", "20000"))
# DASH_REUSE=1: measure again on the database a previous run seeded (no drop, no seeding).
REUSE = os.environ.get("DASH_REUSE") == "1"
REPEAT = int(os.environ.get("DASH_REPEAT", "5"))

if DB_NAME in ("casino", "postgres", "template0", "template1"):
    sys.exit(f"DASH_DB={DB_NAME!r}: this script drops its database; give it one of its own")


def log(message: str) -> None:
    print(f"[dashboard {time.strftime('%H:%M:%S')}] {message}", flush=True)


def setup() -> None:
    import psycopg

    if not REUSE:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed() -> dict:
    """Everything in SQL (generate_series): row by row it would take hours."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from casino.models import Player
    from games.services import aggregator_create
    from wallet.partitions import partitions_create_since

    agg_a = aggregator_create(code="alpha", signing_secret="bench-secret-a", key_id="bench-a")  # noqa: S106
    agg_b = aggregator_create(code="beta", signing_secret="bench-secret-b", key_id="bench-b")  # noqa: S106
    heavy = Player.objects.create(external_id="heavy-player", email="heavy@example.com")
    # Monthly partitions for the days of history (wallet/partitions.py): the rows go to their months.
    partitions_create_since(timezone.now() - timedelta(days=DAYS + 1), at=timezone.now())
    with connection.cursor() as c:
        c.execute("ALTER TABLE wallet_ledgerentry DISABLE TRIGGER USER")
        c.execute(
            "INSERT INTO casino_player (external_id, email, status, country, kyc_status, created_at, has_rg_state)"
            " SELECT 'p-' || n, 'p' || n || '@example.com', 'active', 'MT', 'none', now(), false"
            " FROM generate_series(1, %s) n",
            [PLAYERS],
        )
        c.execute(
            "INSERT INTO wallet_wallet (player_id, currency_id, mode, balance, created_at)"
            " SELECT p.id, cur, m, 0, now() FROM casino_player p,"
            " (VALUES ('EUR'), ('USD')) c(cur), (VALUES ('real'), ('demo')) md(m)"
        )
        c.execute(
            "INSERT INTO wallet_houseaccount (kind, aggregator_id, currency_id, mode)"
            " SELECT 'game', a, cur, m FROM (VALUES (%s), (%s)) ag(a), (VALUES ('EUR'), ('USD')) c(cur),"
            " (VALUES ('real'), ('demo')) md(m) ON CONFLICT DO NOTHING",
            [agg_a.pk, agg_b.pk],
        )
        c.execute(
            "INSERT INTO casino_gamesession (token, player_id, aggregator_id, game_code, currency_id, mode,"
            " created_at, expires_at, play_started_at)"
            " SELECT 'tok-' || p.id, p.id, %s, 'slot', 'EUR', 'real', now(), now(), now() FROM casino_player p",
            [agg_a.pk],
        )
        log("players, wallets, sessions written; ledger next")
        # Ledger: a bet (wallet -amount) or a win (wallet +amount), the game account the other leg.
        step = 500_000
        for start in range(1, TRANSACTIONS + 1, step):
            end = min(start + step - 1, TRANSACTIONS)
            c.execute(
                """
                WITH src AS (
                  SELECT n, w.id AS wallet_id, w.currency_id, w.mode,
                         CASE WHEN n %% 3 = 0 THEN 'win' ELSE 'bet' END AS kind,
                         CASE WHEN n %% 2 = 0 THEN %s ELSE %s END AS aggregator_id,
                         now() - (random() * %s * interval '1 day') AS created_at,
                         (100 + n %% 900) AS amount
                    FROM generate_series(%s::bigint, %s::bigint) n
                    JOIN wallet_wallet w ON w.id = 1 + (n * 7919) %% (SELECT max(id) FROM wallet_wallet)
                ), txn AS (
                  INSERT INTO wallet_ledgertransaction (kind, mode, currency_id, wallet_id, aggregator_id,
                                                        reference, memo, created_at)
                  SELECT kind, mode, currency_id, wallet_id, aggregator_id, 'tx-' || n, '', created_at
                    FROM src ORDER BY created_at
                  RETURNING id, kind, mode, currency_id, wallet_id, aggregator_id, created_at
                )
                INSERT INTO wallet_ledgerentry (transaction_id, wallet_id, house_account_id, amount, balance_after,
                                                created_at)
                SELECT txn.id, txn.wallet_id, NULL, CASE WHEN txn.kind = 'bet' THEN -500 ELSE 400 END, 0, created_at
                  FROM txn
                UNION ALL
                SELECT txn.id, NULL, h.id, CASE WHEN txn.kind = 'bet' THEN 500 ELSE -400 END, NULL, txn.created_at
                  FROM txn JOIN wallet_houseaccount h ON h.kind = 'game' AND h.aggregator_id = txn.aggregator_id
                   AND h.currency_id = txn.currency_id AND h.mode = txn.mode
                """,
                [agg_a.pk, agg_b.pk, DAYS, start, end],
            )
            log(f"ledger transactions {end:,} of {TRANSACTIONS:,}")
        c.execute(
            """
            INSERT INTO wallet_aggregatortransaction (aggregator_id, external_id, kind, mode, wallet_id, session_id,
                amount, game_code, spin_type, round_closed, reference_id, request, outcome, result_code, balance,
                message, rg_reason, created_at, elapsed_us)
            SELECT CASE WHEN n %% 2 = 0 THEN %s ELSE %s END, 'call-' || n, 'bet', 'real', s.wallet_id, s.id,
                   500, 'slot', 'cash', false, '', '{}'::jsonb,
                   CASE WHEN n %% 50 = 0 THEN 'refused' ELSE 'applied' END,
                   CASE WHEN n %% 50 = 0 THEN 'INSUFFICIENT_FUNDS' ELSE 'OK' END, 0, '', '',
                   now() - (random() * interval '1 day'), (1000 + (n * 37) %% 60000)
              FROM generate_series(1, %s) n
              JOIN (SELECT g.id, w.id AS wallet_id, row_number() OVER () AS k FROM casino_gamesession g
                      JOIN wallet_wallet w ON w.player_id = g.player_id AND w.currency_id = 'EUR'
                       AND w.mode = 'real') s ON s.k = 1 + n %% %s
            """,
            [agg_a.pk, agg_b.pk, CALLS, PLAYERS + 1],
        )
        log(f"{CALLS:,} call records written; the heavy player's rounds next")
        _seed_heavy_player(c, heavy.pk, agg_a.pk)
        c.execute("ALTER TABLE wallet_ledgerentry ENABLE TRIGGER USER")
        c.execute("ANALYZE")
    return {"heavy": heavy.pk}


def _seed_heavy_player(c, player_id: int, aggregator_id: int) -> None:
    c.execute(
        "SELECT id FROM wallet_wallet WHERE player_id = %s AND currency_id = 'EUR' AND mode = 'real'", [player_id]
    )
    (wallet_id,) = c.fetchone()
    c.execute("SELECT id FROM casino_gamesession WHERE player_id = %s", [player_id])
    (session_id,) = c.fetchone()
    c.execute(
        "INSERT INTO wallet_gameround (aggregator_id, external_id, wallet_id, session_id, game_code, status,"
        " live_bets, rolled_back_bets, bet_total, win_total, opened_at, last_activity_at, closed_at)"
        " SELECT %s, 'heavy-r-' || n, %s, %s, 'slot', 'closed', 1, 0, 500, 400,"
        " now() - n * interval '1 minute', now() - n * interval '1 minute', now() - n * interval '1 minute'"
        " FROM generate_series(1, %s) n",
        [aggregator_id, wallet_id, session_id, ROUNDS],
    )
    for kind, amount in (("bet", -500), ("win", 400)):
        c.execute(
            f"""
            WITH r AS (SELECT id, external_id, opened_at FROM wallet_gameround WHERE wallet_id = %s),
            txn AS (
              INSERT INTO wallet_ledgertransaction (kind, mode, currency_id, wallet_id, aggregator_id, round_id,
                                                    reference, memo, created_at)
              SELECT '{kind}', 'real', 'EUR', %s, %s, r.id, r.external_id || '-{kind}', '', r.opened_at FROM r
              RETURNING id, round_id, reference, created_at
            ), legs AS (
              INSERT INTO wallet_ledgerentry (transaction_id, wallet_id, house_account_id, amount, balance_after,
                                              created_at)
              SELECT txn.id, %s, NULL, {amount}, 0, created_at FROM txn
              UNION ALL
              SELECT txn.id, NULL, (SELECT id FROM wallet_houseaccount WHERE kind = 'game' AND aggregator_id = %s
                                     AND currency_id = 'EUR' AND mode = 'real'), {-amount}, NULL, created_at FROM txn
            )
            INSERT INTO wallet_aggregatortransaction (aggregator_id, external_id, kind, mode, wallet_id, session_id,
                round_id, amount, game_code, spin_type, round_closed, reference_id, request, outcome, result_code,
                balance, message, rg_reason, created_at, elapsed_us, ledger_transaction_id)
            SELECT %s, txn.reference, '{kind}', 'real', %s, %s, txn.round_id, {abs(amount)}, 'slot', 'cash',
                   false, '', '{{"session_token": "heavy-token-0000"}}'::jsonb, 'applied', 'OK', 0, '', '',
                   txn.created_at, 2500, txn.id
              FROM txn
            """,  # noqa: S608 (kind and amount are our constants)
            [wallet_id, wallet_id, aggregator_id, wallet_id, aggregator_id, aggregator_id, wallet_id, session_id],
        )


def timed(label: str, fn) -> float:
    runs = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    median = statistics.median(runs)
    print(f"  {label:<52} median {median:8.1f} ms   slowest {max(runs):8.1f} ms", flush=True)
    return median


def measure(heavy_id: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from casino import backoffice
    from wallet.models import AggregatorTransaction, GameRound

    user = get_user_model().objects.filter(username="bench").first() or get_user_model().objects.create_superuser(
        "bench", "bench@example.com", "bench-password-not-secret"
    )
    client = Client()
    client.force_login(user)

    def get(url, **params):
        response = client.get(url, params)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert b"could not be read" not in response.content

    timed("admin index (the dashboard, every panel)", lambda: get(reverse("admin:index")))
    for panel in backoffice.panels():
        timed(f"  panel {panel.key}", panel.read)
    page = reverse("admin:player_page", args=[heavy_id])
    round_id = GameRound.objects.filter(external_id=f"heavy-r-{ROUNDS // 2}").values_list("pk", flat=True).get()
    timed(f"player page, {ROUNDS:,} rounds: first page", lambda: get(page))
    timed(f"player page: older rounds from the {ROUNDS // 2:,}th", lambda: get(page, before=round_id))
    timed("player page: one round", lambda: get(page, round=round_id))
    call = AggregatorTransaction.objects.filter(external_id=f"heavy-r-{ROUNDS // 3}-win").get()
    timed("search by aggregator transaction id", lambda: get(reverse("admin:player_find"), q=call.external_id))
    timed("search by email", lambda: get(reverse("admin:player_find"), q="heavy@example.com"))


def write_tail() -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("ALTER TABLE wallet_ledgerentry DISABLE TRIGGER USER")
        c.execute(
            """
            WITH txn AS (
              INSERT INTO wallet_ledgertransaction (kind, mode, currency_id, wallet_id, aggregator_id, reference,
                                                    memo, created_at)
              SELECT 'bet', 'real', 'EUR', w.id, (SELECT min(id) FROM casino_aggregator), 'tail-' || n, '', now()
                FROM generate_series(1, %s) n
                JOIN wallet_wallet w ON w.id = 1 + (n * 31) %% (SELECT max(id) FROM wallet_wallet)
               WHERE true
              RETURNING id, wallet_id, currency_id, mode, created_at
            )
            INSERT INTO wallet_ledgerentry (transaction_id, wallet_id, house_account_id, amount, balance_after,
                                            created_at)
            SELECT id, wallet_id, NULL, -500, 0, created_at FROM txn
            UNION ALL
            SELECT txn.id, NULL, h.id, 500, NULL, txn.created_at FROM txn JOIN wallet_houseaccount h ON h.kind = 'game'
               AND h.aggregator_id = (SELECT min(id) FROM casino_aggregator) AND h.currency_id = txn.currency_id
               AND h.mode = txn.mode
            """,
            [TAIL],
        )
        c.execute("ALTER TABLE wallet_ledgerentry ENABLE TRIGGER USER")


def vacuum() -> None:
    """What autovacuum does on a server in service (this machine's PostgreSQL runs without it):
    the visibility map lets the rollups' index-only scans skip the table."""
    from django.db import connection

    with connection.cursor() as c:
        for table in ("wallet_moneyminute", "wallet_callminute", "wallet_activeplayerhour", "wallet_gameround"):
            c.execute(f"VACUUM ANALYZE {table}")


def main() -> int:
    from datetime import timedelta

    started = time.monotonic()
    setup()
    from django.db import connection

    if REUSE:
        from casino.models import Player

        vacuum()
        print("Reusing the seeded database:", flush=True)
        measure(Player.objects.get(external_id="heavy-player").pk)
        return 0
    seeded = seed()
    from wallet.services.rollups import rollups_advance

    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM wallet_ledgerentry")
        (entries,) = c.fetchone()
    log(f"seeded {entries:,} ledger entries in {time.monotonic() - started:.0f} s")
    t0 = time.perf_counter()
    moved = rollups_advance(lag=timedelta(0))
    log(f"rolled up the backlog ({moved}) in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    rollups_advance(lag=timedelta(0))
    log(f"a run with nothing new: {(time.perf_counter() - t0) * 1000:.1f} ms")
    vacuum()
    print(f"\nWith {entries:,} ledger entries, everything rolled up:", flush=True)
    measure(seeded["heavy"])
    write_tail()
    print(f"\nWith {TAIL:,} more transactions not rolled up yet (read live):", flush=True)
    measure(seeded["heavy"])
    t0 = time.perf_counter()
    rollups_advance(lag=timedelta(0))
    log(f"rolling up those {TAIL:,}: {(time.perf_counter() - t0) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

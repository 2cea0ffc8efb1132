"""`make bench`: load-test the native wallet protocol against this machine's own ceiling.

1. Recreates the database BENCH_DB (default casino_bench: never the project's own), migrates,
   seeds BENCH_PLAYERS funded players (one balanced deposit each in the ledger) with a session
   each, one native aggregator, and the ceiling's two tables.
2. Starts the production server (gunicorn) on 127.0.0.1 with BENCH_ENDPOINTS=1.
3. Drives it from a separate process (locust, headless) for BENCH_SECONDS per scenario:
     ceiling spread  the bare endpoint (one locked UPDATE + one INSERT), over all players
     full spread     the real mix (bet, win, rollback, resends, balance), over all players
     ceiling hot     the bare endpoint, every call on one account
     full hot        the real mix, every call on one player
     full spread rg  full spread again, after a generous daily loss and wager limit is set on every
                     player (nothing is refused): the cost of responsible gaming on the bet path,
                     compared with full spread in the same run (target: within 5 %)
4. Prints requests/s, p50/p95/p99 and errors per scenario, the CPU each request cost the server,
   the database, the load generator and the rest of the machine,
   full / ceiling ratios against the targets of issue 5, and the result of check_ledger.

Settings (environment): BENCH_SECONDS (60; BENCH_SECONDS=10 is the smoke run), BENCH_WARMUP (5),
BENCH_PLAYERS (10000), BENCH_USERS (locust users; default 2 x workers), BENCH_WORKERS (gunicorn
workers; default cores + 1), BENCH_WORKER_CLASS (gthread), BENCH_THREADS (4), BENCH_PORT (8765),
BENCH_DB (casino_bench), BENCH_PG (postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL,
BENCH_SCENARIOS (comma list, default all), BENCH_ROUNDS (1: the chosen scenarios run this many
times over, interleaved, each result named "scenario #k"), BENCH_BET_USERS (16) and BENCH_BET_PLAYERS
(1000) for the pure-bets scenarios, BENCH_PROFILE=1 or =<scenario> (py-spy records the workers during
full spread, or that scenario; collapsed stacks in var/bench/).

The cost of metrics, on demand: BENCH_SCENARIOS="full spread,full spread no metrics,full spread
metrics again" runs the real mix counting, then with the server restarted with METRICS_ENABLED=0,
then counting again, and prints with / without (target: within 3 %).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pgbouncer  # scripts/bench/pgbouncer.py, beside this script
from cpu_meter import CpuMeter  # scripts/bench/cpu_meter.py, beside this script
from measure import database_sessions, profile_workers, read_stats  # scripts/bench/measure.py
from report import report  # scripts/bench/report.py, beside this script

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench"
VENV_BIN = Path(sys.executable).parent

SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))
PLAYERS = int(os.environ.get("BENCH_PLAYERS", "10000"))
# cores + 1 measured best here (2 cores, load generator on the same machine): full spread 328/s
# with 3 workers against 257-265/s with 5 or 8 (docs/benchmarks.md).
WORKERS = int(os.environ.get("BENCH_WORKERS", str((os.cpu_count() or 1) + 1)))
# The production server's settings (gunicorn.conf.py: gthread, 4 threads, keep-alive) unless told.
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
USERS = int(os.environ.get("BENCH_USERS", str(2 * WORKERS)))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DB_NAME = os.environ.get("BENCH_DB", "casino_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
# BENCH_PROFILE=1 profiles "full spread"; BENCH_PROFILE=<scenario> profiles that one.
PROFILE = {"": "", "1": "full spread"}.get(os.environ.get("BENCH_PROFILE", ""), os.environ.get("BENCH_PROFILE", ""))
# Pure bets as aggregators send them (issue 15): BET_USERS connections, over BET_PLAYERS players or one.
BET_USERS = int(os.environ.get("BENCH_BET_USERS", "16"))
BET_PLAYERS = min(int(os.environ.get("BENCH_BET_PLAYERS", "1000")), PLAYERS - 1)  # the last one: sql's capture
# name: (target, players, users). Targets: the ceiling endpoint, the game-round mix ("full"),
# pure bets ("bets"), and the project's own bet statements from a bare psycopg client ("sql").
SCENARIOS = {
    "ceiling spread": ("ceiling", PLAYERS, USERS),
    "full spread": ("full", PLAYERS, USERS),
    "ceiling hot": ("ceiling", 1, USERS),
    "full hot": ("full", 1, USERS),
    "bets ceiling spread": ("ceiling", BET_PLAYERS, BET_USERS),
    "bets sql spread": ("sql", BET_PLAYERS, BET_USERS),
    "bets spread": ("bets", BET_PLAYERS, BET_USERS),
    "bets ceiling hot": ("ceiling", 1, BET_USERS),
    "bets sql hot": ("sql", 1, BET_USERS),
    "bets hot": ("bets", 1, BET_USERS),
    # The same bets through PgBouncer in transaction pooling, with fewer PostgreSQL connections
    # (BENCH_POOL_SIZE) than the server's threads (scripts/bench/pgbouncer.py; needs pgbouncer).
    "bets spread pgbouncer": ("bets", BET_PLAYERS, BET_USERS),
    # The cost of /metrics on the money path (on demand, not by default): the same mix with the
    # server counting nothing (METRICS_ENABLED=0), then counting again (target: within 3 %).
    "full spread no metrics": ("full", PLAYERS, USERS),
    "full spread metrics again": ("full", PLAYERS, USERS),
    # Last: once set, the limits stay on every player for the rest of the run.
    "full spread rg": ("full", PLAYERS, USERS),
}
# Scenarios served by a server started with other settings (restarted around them).
POOLER_PORT = int(os.environ.get("BENCH_POOLER_PORT", str(PORT + 1)))
POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", "4"))
SERVER_ENV = {
    "full spread no metrics": {"METRICS_ENABLED": "0"},
    # Prepared statements off: Debian's pgbouncer 1.18 does not keep them across transactions.
    "bets spread pgbouncer": {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{POOLER_PORT}/{DB_NAME}",
        "DB_PREPARE_THRESHOLD": "0",
    },
}
DEFAULT_SCENARIOS = [
    name for name in SCENARIOS if "metrics" not in name and ("pgbouncer" not in name or pgbouncer.available())
]
CHOSEN = [s.strip() for s in os.environ.get("BENCH_SCENARIOS", ",".join(DEFAULT_SCENARIOS)).split(",") if s.strip()]
# The chosen scenarios run this many times over, interleaved ("name #k"): on a shared machine a
# ratio is trusted only when the pairs of several rounds agree.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))


def label(name: str, k: int) -> str:
    return name if ROUNDS == 1 else f"{name} #{k}"


KEY_ID = "bench-key"
SECRET = "bench-signing-secret"  # noqa: S105 - the throwaway bench database's aggregator
OPENING_BALANCE = 10**12  # minor units: no player runs dry during a run
HOST = f"http://127.0.0.1:{PORT}"

if DB_NAME in ("casino", "postgres", "template0", "template1"):
    sys.exit(f"BENCH_DB={DB_NAME!r}: the bench drops its database; give it one of its own")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Database ---------------------------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
    # The throwaway bench database and its server (inherits this environment) serve plain http
    # on 127.0.0.1: a local start, with throwaway secrets (`make bench` sets the same).
    os.environ.setdefault("CASINO_ENV", "local")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-server")
    os.environ.setdefault("FRONTEND_API_KEYS", "bench-only-frontend-key")
    # A fixed Fernet key, as throwaway as the rest: the bench database is dropped after the run.
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1hbnktc2VydmU=")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed() -> None:
    """Players, wallets, sessions and one native aggregator, written in bulk.

    Each wallet is funded by one balanced deposit transaction (wallet leg + cashier leg) and its
    cached balance equals its entries, exactly as wallet_deposit leaves it: check_ledger holds.
    """
    from django.db import transaction
    from django.utils import timezone

    from casino.models import GameSession, Mode, Player
    from games.services import aggregator_create
    from wallet.bench import create_ceiling_tables
    from wallet.models import HouseAccount, LedgerEntry, LedgerTransaction, Wallet

    aggregator = aggregator_create(code="bench", signing_secret=SECRET, key_id=KEY_ID)
    expires = timezone.now() + timedelta(days=1)
    with transaction.atomic():
        cashier, _ = HouseAccount.objects.get_or_create(
            kind=HouseAccount.Kind.CASHIER, currency_id="EUR", mode=Mode.REAL, aggregator=None
        )
        players = Player.objects.bulk_create(
            [Player(external_id=f"bench-{n:05d}", country="MT") for n in range(1, PLAYERS + 1)]
        )
        wallets = Wallet.objects.bulk_create(
            [Wallet(player=p, currency_id="EUR", mode=Mode.REAL, balance=OPENING_BALANCE) for p in players]
        )
        deposits = LedgerTransaction.objects.bulk_create(
            [
                LedgerTransaction(
                    kind=LedgerTransaction.Kind.DEPOSIT, mode=Mode.REAL, currency_id="EUR", wallet=w, memo="bench"
                )
                for w in wallets
            ]
        )
        entries = []
        for deposit, wallet in zip(deposits, wallets, strict=True):
            entries.append(
                LedgerEntry(transaction=deposit, wallet=wallet, amount=OPENING_BALANCE, balance_after=OPENING_BALANCE)
            )
            entries.append(LedgerEntry(transaction=deposit, house_account=cashier, amount=-OPENING_BALANCE))
        LedgerEntry.objects.bulk_create(entries, batch_size=5000)
        GameSession.objects.bulk_create(
            [
                GameSession(
                    token=f"bench-session-{n:05d}",
                    player=p,
                    aggregator=aggregator,
                    game_code="bench-slot",
                    currency_id="EUR",
                    mode=Mode.REAL,
                    expires_at=expires,
                )
                for n, p in enumerate(players, start=1)
            ]
        )
        create_ceiling_tables(accounts=PLAYERS, balance=OPENING_BALANCE)
    analyze()


def analyze() -> None:
    """Gather the planner's statistics, as autovacuum does on a database in service (this
    machine's PostgreSQL runs with autovacuum off). Without them the money path's prepared
    statements keep the plans made when their tables looked empty: sequential scans."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def check_ledger() -> tuple[bool, str]:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out, err = StringIO(), StringIO()
    try:
        call_command("check_ledger", stdout=out, stderr=err)
    except CommandError as exc:
        return False, f"{err.getvalue().strip()}\n{exc}"
    return True, out.getvalue().strip()


def ledger_totals() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM wallet_ledgerentry")
        total, entries = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM wallet_aggregatortransaction")
        (calls,) = cursor.fetchone()
    return {"sum_of_all_entries": int(total), "entries": entries, "aggregator_calls_recorded": calls}


# --- Server and load --------------------------------------------------------------------------


def start_server(extra_env: dict | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "BENCH_ENDPOINTS": "1",
        "BENCH_CEILING_SECRET": SECRET,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        # Its own metrics folder: gunicorn.conf.py clears this host's files in it at start.
        "PROMETHEUS_MULTIPROC_DIR": str(OUT / "prometheus"),
        **(extra_env or {}),
    }
    (OUT / "prometheus").mkdir(parents=True, exist_ok=True)
    command = [
        str(VENV_BIN / "gunicorn"),
        "casino.wsgi",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        WORKER_CLASS,
        "--threads",
        str(THREADS),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603 - our argv
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{HOST}/health", timeout=1) as response:  # noqa: S310 - our own loopback
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not answer /health within 30 s")


def start_pooler() -> subprocess.Popen:
    from urllib.parse import urlsplit

    pg = urlsplit(PG)
    log(f"starting pgbouncer on {POOLER_PORT}: transaction pooling, {POOL_SIZE} PostgreSQL connections")
    return pgbouncer.start(
        folder=OUT / "pgbouncer",
        port=POOLER_PORT,
        database=DB_NAME,
        pg_host=pg.hostname or "127.0.0.1",
        pg_port=pg.port or 5432,
        pool_size=POOL_SIZE,
    )


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run_locust(target: str, players: int, users: int, seconds: int, csv_prefix: Path) -> dict:
    env = {
        **os.environ,
        "BENCH_TARGET": target,
        "BENCH_PLAYERS": str(players),
        "BENCH_KEY_ID": KEY_ID,
        "BENCH_SECRET": SECRET,
        "BENCH_CONNECTIONS_FILE": f"{csv_prefix}.connections",
    }
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "scripts" / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        HOST,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    with open(f"{csv_prefix}.log", "w") as log_file:
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=log_file)  # noqa: S603
    stats = read_stats(csv_prefix)
    opened = Path(f"{csv_prefix}.connections")
    if opened.exists():
        stats["http_connections_per_request"] = round(int(opened.read_text()) / max(stats["requests"], 1), 4)
    return stats


def run_sql_client(_target: str, players: int, users: int, seconds: int, prefix: Path) -> dict:
    """The project's bet statements from a bare psycopg client (scripts/bench/sql_client.py)."""
    env = {
        **os.environ,
        "BENCH_PLAYERS": str(players),
        "BENCH_CONNECTIONS": str(users),
        "BENCH_SECONDS": str(seconds),
        "BENCH_CAPTURE_PLAYER": str(PLAYERS),
        "BENCH_KEY_ID": KEY_ID,
        "BENCH_SECRET": SECRET,
    }
    out = Path(f"{prefix}.json")
    script = ROOT / "scripts" / "bench" / "sql_client.py"
    with open(f"{prefix}.log", "w") as log_file:
        subprocess.run([sys.executable, str(script), str(out)], cwd=ROOT, env=env, check=True, stderr=log_file)  # noqa: S603
    return json.loads(out.read_text())


def main() -> int:
    unknown = [s for s in CHOSEN if s not in SCENARIOS]
    if unknown:
        sys.exit(f"unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}")
    OUT.mkdir(parents=True, exist_ok=True)
    log(
        f"{os.cpu_count()} cores; gunicorn {WORKERS} x {WORKER_CLASS} (threads {THREADS}); "
        f"locust {USERS} users; {SECONDS} s per scenario; database {DB_NAME}"
    )
    started = time.monotonic()
    recreate_database()
    setup_django()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    seed()
    connections.close_all()
    log(f"seeded {PLAYERS} players in {time.monotonic() - started:.0f} s")

    server = start_server()
    meter = CpuMeter(server, DB_NAME)
    server_env: dict = {}
    pooler = None
    results = {}
    try:
        if WARMUP:
            run_locust("full", PLAYERS, USERS, WARMUP, OUT / "warmup")
            analyze()  # now that the money tables have rows
        from rg import rg_state, set_rg_limits  # scripts/bench/rg.py, beside this script

        limits_set = False
        for k, name in ((k, name) for k in range(1, ROUNDS + 1) for name in CHOSEN):
            target, players, users = SCENARIOS[name]
            if "pgbouncer" in name and pooler is None:
                pooler = start_pooler()
            if SERVER_ENV.get(name, {}) != server_env:
                stop_server(server)
                server_env = SERVER_ENV.get(name, {})
                log(f"restarting the server with {server_env or 'its usual settings'}")
                server = start_server(server_env)
                meter = CpuMeter(server, DB_NAME)
                if WARMUP:
                    run_locust("full", PLAYERS, USERS, WARMUP, OUT / "warmup-restart")
            if name == "full spread rg" and not limits_set:
                set_rg_limits()
                limits_set = True
                analyze()
                if WARMUP:  # as for the first scenario: the new tables get rows, then statistics
                    run_locust("full", PLAYERS, USERS, WARMUP, OUT / "warmup-rg")
                    analyze()
            elif limits_set:  # a later round: the limits stay, read only in "full spread rg"
                rg_state(on=name == "full spread rg")
            tag = label(name, k)
            profiler = (
                profile_workers(server, SECONDS, OUT / f"profile-{tag.replace(' ', '-')}.txt")
                if PROFILE and tag == PROFILE
                else None
            )
            log(f"{tag}: {SECONDS} s")
            before, sessions = meter.read(), database_sessions()
            prefix = OUT / tag.replace(" ", "-").replace("#", "")
            run = run_sql_client if target == "sql" else run_locust
            results[tag] = run(target, players, users, SECONDS, prefix)
            after = meter.read()
            requests = max(results[tag]["requests"], 1)
            results[tag]["cpu_ms_per_request"] = {
                part: round((after[part] - before[part]) * 1000 / requests, 3) for part in before
            }
            results[tag]["database_connections_per_request"] = round((database_sessions() - sessions) / requests, 4)
            if profiler is not None:
                profiler.wait(timeout=SECONDS + 30)
    finally:
        stop_server(server)
        if pooler is not None:
            pgbouncer.stop(pooler)

    ledger_ok, ledger_text = check_ledger()
    totals = ledger_totals()
    lines = report(results, ROUNDS)
    print()
    print("\n".join(lines))
    for name, r in results.items():
        for failure, count in r["failures"].items():
            print(f"  {name} error x{count}: {failure}")
    print(f"\ncheck_ledger: {ledger_text}")
    print(f"ledger: {totals}")
    summary = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cores": os.cpu_count(),
        "workers": WORKERS,
        "worker_class": WORKER_CLASS,
        "threads": THREADS,
        "users": USERS,
        "seconds": SECONDS,
        "rounds": ROUNDS,
        "players": PLAYERS,
        "results": results,
        "check_ledger": ledger_text,
        "ledger": totals,
    }
    (OUT / "results.json").write_text(json.dumps(summary, indent=2))
    log(f"done in {time.monotonic() - started:.0f} s; details in {OUT / 'results.json'}")
    return 0 if ledger_ok else 1


if __name__ == "__main__":
    sys.exit(main())

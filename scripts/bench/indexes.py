"""The indexes of migration wallet 0012 against those before it: index entries and database CPU
per bet and per win, in-process, in alternating blocks on one connection (scripts/bench/cpu.py's
harness, on the database `make bench` seeded and migrated to 0012).

"before" makes the indexes 0012 dropped again and drops its partial ones; "after" undoes that.
Each block starts with a few unmeasured calls (the prepared statements are planned again after
the DDL), then plays BLOCK rounds of a bet and a win closing the round. The DDL goes over a
connection of its own, so the measured backend's CPU is the money calls' alone. Index entries are
counted from pg_stat_user_tables: each row inserted, and each update that is not HOT, adds one
entry to every index of its table (partition) whose predicate it meets (BRIN: one summary per
range of pages, not an entry per row; counted apart).

INDEXES_ROWS=N measures instead the rows of N bets (a round, a ledger transaction, its two legs)
written N at a time by one statement each and rolled back: the cost of the rows and their index
entries alone, without the money path's other work (whose noise hides a difference this small).

Usage: `.venv/bin/python scripts/bench/indexes.py [blocks] [rounds per block]` (default 8 x 400);
`INDEXES_ROWS=20000 .venv/bin/python scripts/bench/indexes.py 12`. Leaves the database as 0012 has it.
"""

from __future__ import annotations

import importlib
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu  # noqa: E402 - sets the environment and Django up, as for cpu.py
import psycopg  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations import AddIndex  # noqa: E402

MIGRATION = importlib.import_module("wallet.migrations.0012_fewer_index_entries")
TABLES = ("wallet_ledgertransaction", "wallet_ledgerentry", "wallet_aggregatortransaction", "wallet_gameround")
WARMUP = 20


def set_indexes(ddl: psycopg.Connection, state: str) -> None:
    """The indexes as migration 0012 leaves them ("after") or as they were before it ("before"),
    by the migration's own statements, which work either way (IF [NOT] EXISTS added)."""
    from django.apps import apps

    dropped = [MIGRATION._drop(*index) for index in MIGRATION.DROPPED]
    dropped.append(MIGRATION._drop_like_twin(*MIGRATION.LIKE_TWIN_ONLY))
    partial = []
    with connection.schema_editor(collect_sql=True) as editor:
        for op in MIGRATION.Migration.operations:
            if isinstance(op, AddIndex):
                model = apps.get_model("wallet", op.model_name)
                partial.append((op.index.name, str(op.index.create_sql(model, editor))))
    if state == "before":
        statements = [
            sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS") for op in dropped for sql in op.reverse_sql
        ]
        statements += [f'DROP INDEX IF EXISTS "{name}"' for name, _sql in partial]
    else:
        statements = [sql.replace("DROP INDEX", "DROP INDEX IF EXISTS") for op in dropped for sql in op.sql]
        statements += [sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS") for _name, sql in partial]
    with ddl.transaction():
        for statement in statements:
            ddl.execute(statement)
    ddl.execute("ANALYZE wallet_ledgertransaction, wallet_ledgerentry, wallet_gameround")


def index_count(ddl: psycopg.Connection) -> int:
    return ddl.execute(
        "SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid WHERE c.relname = ANY(%s)",
        [list(TABLES)],
    ).fetchone()[0]


def stats(ddl: psycopg.Connection) -> dict[str, tuple[int, int, int]]:
    rows = ddl.execute(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = 'public'"
    ).fetchall()
    return {name: (ins, upd, hot) for name, ins, upd, hot in rows}


def index_entries(ddl: psycopg.Connection, before: dict, after: dict, since_ids: dict) -> tuple[Counter, int]:
    """B-tree entries per table (partition) and BRIN-indexed rows written between two stats snapshots."""
    btree: Counter = Counter()
    brin = 0
    for table, (ins, upd, hot) in after.items():
        was = before.get(table, (0, 0, 0))
        inserted, nonhot = ins - was[0], (upd - was[1]) - (hot - was[2])
        if inserted == 0 and nonhot == 0:
            continue
        for method, predicate in ddl.execute(
            "SELECT am.amname, pg_get_expr(x.indpred, x.indrelid) FROM pg_index x"
            " JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_am am ON am.oid = i.relam WHERE c.relname = %s AND c.relkind = 'r'",
            [table],
        ).fetchall():
            if method == "brin":
                brin += inserted + nonhot
            elif predicate is None:
                btree[table] += inserted + nonhot
            else:
                # Predicates only on the insert-only partitions (and the round's, NULL in the bench).
                parent = next((t for t in TABLES if table.startswith(t)), table)
                if parent in since_ids:
                    btree[table] += ddl.execute(
                        f'SELECT count(*) FROM "{table}" WHERE id > %s AND ({predicate})',  # noqa: S608
                        [since_ids[parent]],
                    ).fetchone()[0]
    return btree, brin


def max_ids(ddl: psycopg.Connection) -> dict[str, int]:
    return {
        table: ddl.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0]  # noqa: S608
        for table in TABLES
    }


def measured(samples: dict, name: str, path: str, body: dict) -> None:
    """cpu.measured, less a call during which the connection was made anew (CONN_MAX_AGE): its
    backend's CPU before and after are two processes'."""
    pid = connection.connection.info.backend_pid if connection.connection else None
    database = cpu.backend_cpu()
    start = time.process_time()
    status, answer = cpu.call(path, body)
    server = time.process_time() - start
    if status != 200:
        raise SystemExit(f"{name}: HTTP {status} {answer}")
    if connection.connection is None or connection.connection.info.backend_pid != pid:
        return
    samples.setdefault(name, []).append(server)
    samples.setdefault(f"{name} (database)", []).append(cpu.backend_cpu() - database)


def bet_and_win(samples: dict, n: int, *, bets: bool = True, wins: bool = True, round_id=None) -> str:
    base = {"player_id": f"bench-{n:05d}", "session_token": f"bench-session-{n:05d}", "currency": "EUR"}
    round_id = round_id or uuid.uuid4().hex
    if bets:
        bet = {**base, "transaction_id": uuid.uuid4().hex, "round_id": round_id, "game_id": "bench-slot", "amount": 100}
        measured(samples, "bet", "/api/v1/wallet/bet", bet)
    if wins:
        win = {**base, "transaction_id": uuid.uuid4().hex, "round_id": round_id, "game_id": "bench-slot"}
        measured(samples, "win", "/api/v1/wallet/win", {**win, "amount": 100, "round_closed": True})
    return round_id


def count_entries(ddl: psycopg.Connection, first: int, calls: int) -> dict[str, tuple[float, float]]:
    """Index entries per bet (a new round) and per win (closing it)."""
    result = {}
    rounds = []
    for kind in ("bet", "win"):
        connection.close()  # the backend's statistics are flushed when it ends
        before, ids = stats(ddl), max_ids(ddl)
        for i in range(calls):
            n = (first + i) % 10000 + 1
            if kind == "bet":
                rounds.append(bet_and_win({}, n, wins=False))
            else:
                bet_and_win({}, n, bets=False, round_id=rounds[i])
        connection.close()
        time.sleep(1.5)
        btree, brin = index_entries(ddl, before, stats(ddl), ids)
        result[kind] = (btree.total() / calls, brin / calls)
        print(f"  {kind}: " + ", ".join(f"{t} {n / calls:.2f}" for t, n in btree.most_common()), flush=True)
    return result


# A bet's rows, N at a time in one statement each, rolled back (so no deferred check runs): the
# cost of writing the rows and their index entries alone, without the money path around them.
ROW_WRITES = [
    """INSERT INTO wallet_gameround (aggregator_id, external_id, wallet_id, session_id, game_code, status, live_bets,
           rolled_back_bets, bet_total, win_total, bonus_stake, opened_at, last_activity_at)
       SELECT 1, 'rows-' || n || '-' || %(tag)s, 1 + n %% 10000, 1 + n %% 10000, 'bench-slot', 'open', 1, 0, 100, 0, 0,
           now(), now()
       FROM generate_series(1, %(n)s) n""",
    """WITH t AS (
           INSERT INTO wallet_ledgertransaction (kind, mode, currency_id, wallet_id, aggregator_id, round_id,
               reference, memo, created_at)
           SELECT 'bet', 'real', 'EUR', 1 + n %% 10000, 1, 1 + n %% 10000, 'rows-' || n || '-' || %(tag)s, '', now()
           FROM generate_series(1, %(n)s) n
           RETURNING id, wallet_id, created_at
       )
       INSERT INTO wallet_ledgerentry (transaction_id, wallet_id, house_account_id, amount, balance_after, created_at)
       SELECT t.id, leg.wallet_id, leg.house_account_id, leg.amount, leg.balance_after, t.created_at
       FROM t, LATERAL (VALUES (t.wallet_id, NULL::bigint, -100, 0), (NULL, 1, 100, NULL))
           leg(wallet_id, house_account_id, amount, balance_after)""",
]


def row_writes(url: str, rows: int) -> float:
    """Database CPU ms per bet's round, ledger transaction and two legs, written `rows` at a time."""
    with psycopg.connect(url) as conn:
        pid = conn.info.backend_pid
        stat = Path(f"/proc/{pid}/stat")

        def used() -> float:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / cpu.os.sysconf("SC_CLK_TCK")

        start = used()
        tag = uuid.uuid4().hex
        for statement in ROW_WRITES:
            conn.execute(statement, {"n": rows, "tag": tag})
        spent = used() - start
        conn.rollback()
    return spent * 1000 / rows


def main() -> None:
    blocks = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    ddl = psycopg.connect(cpu.os.environ["DATABASE_URL"], autocommit=True)
    player = 1
    for state in ("before", "after"):
        set_indexes(ddl, state)
        entries = count_entries(ddl, player, 200)
        player += 200
        print(
            f"{state}: {index_count(ddl)} indexes on the 4 parents; B-tree entries per bet {entries['bet'][0]:.2f},"
            f" per win {entries['win'][0]:.2f} (BRIN-indexed rows per call: {entries['bet'][1]:.2f})",
            flush=True,
        )
    if cpu.os.environ.get("INDEXES_ROWS"):
        rows = int(cpu.os.environ["INDEXES_ROWS"])
        figures: dict[str, list[float]] = {"before": [], "after": []}
        for block in range(blocks):
            state = ("before", "after")[block % 2]
            set_indexes(ddl, state)
            figures[state].append(row_writes(cpu.os.environ["DATABASE_URL"], rows))
            print(
                f"block {block + 1:>2} {state:<7} rows of a bet: database CPU ms {figures[state][-1]:.4f}", flush=True
            )
        set_indexes(ddl, "after")
        for state, values in figures.items():
            print(f"{state}: mean {statistics.mean(values):.4f} ms per bet's rows ({len(values)} blocks of {rows})")
        return
    per_block: list[tuple[str, float, float, float]] = []  # state, bet and win database ms, bet server ms
    for block in range(blocks):
        state = ("before", "after")[block % 2]
        set_indexes(ddl, state)
        for i in range(WARMUP):
            bet_and_win({}, (player + i) % 10000 + 1)
        player += WARMUP
        samples: dict[str, list[float]] = {}
        for i in range(rounds):
            bet_and_win(samples, (player + i) % 10000 + 1)
        player += rounds
        figures = (
            statistics.mean(samples["bet (database)"]) * 1000,
            statistics.mean(samples["win (database)"]) * 1000,
            statistics.median(samples["bet"]) * 1000,
        )
        per_block.append((state, *figures))
        print(
            f"block {block + 1:>2} {state:<7} database CPU ms per bet {figures[0]:.3f}, per win {figures[1]:.3f};"
            f" server CPU ms per bet (median) {figures[2]:.3f}",
            flush=True,
        )
    set_indexes(ddl, "after")
    if blocks < 2:
        return
    print(f"{'':<22}{'bet db ms':>12}{'win db ms':>12}{'bet server ms':>15}")
    for state in ("before", "after"):
        rows = [row[1:] for row in per_block if row[0] == state]
        means = [statistics.mean(column) for column in zip(*rows, strict=True)]
        print(f"{state + ' (block mean)':<22}" + "".join(f"{m:>12.3f}" for m in means[:2]) + f"{means[2]:>15.3f}")
    # Each "after" block against the "before" block just before it.
    pairs = [(per_block[i], per_block[i + 1]) for i in range(0, len(per_block) - 1, 2)]
    for column, name in ((1, "bet db"), (2, "win db")):
        deltas = [after[column] - before[column] for before, after in pairs]
        print(f"after - before, {name} ms per pair: " + " ".join(f"{d:+.3f}" for d in deltas))


if __name__ == "__main__":
    main()

"""The comparison, in SQL: their side (staged rows) against our call records, in one pass.

Hand-written SQL lives here and only here (HOUSE_STYLE: one module per app); table and column
names come from the models. A million rows a side must compare in seconds with flat memory,
so nothing here loops over rows in Python: their side is streamed in with COPY, the classes
are one INSERT … SELECT, the discrepancies one upsert, the healed ones one UPDATE (each with
its history rows, as simple-history would write them). tests/reconciliation/test_sql.py
checks these against what the ORM reads and writes.

Scopes. A *window* run compares our records created in [start, end) with their rows that
happened in [start, end), each side looked up in the other over the window widened by
`margin` (a transaction near an edge may carry a slightly different time on each side). A
*rounds* comparison (settlement webhooks) compares their rows with our records of the same
rounds, whatever their time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from casino.models import Player
from reconciliation.models import (
    Discrepancy,
    SettledTransaction,
    StagedTransaction,
    StatementLine,
)
from wallet.models import AggregatorTransaction, GameRound, LedgerTransaction, Wallet

STAGED = StagedTransaction._meta.db_table
STAGED_COLUMNS = ("batch", "line", "external_id", "kind", "player_id", "round_id", "amount", "currency", "status")
CALLS = AggregatorTransaction._meta.db_table
WALLETS = Wallet._meta.db_table
PLAYERS = Player._meta.db_table
ROUNDS = GameRound._meta.db_table
LEDGER = LedgerTransaction._meta.db_table
DISCREPANCIES = Discrepancy._meta.db_table
HISTORY = Discrepancy.history.model._meta.db_table  # type: ignore[attr-defined]
# The Discrepancy columns a historical row copies (every concrete field), in one order.
DISCREPANCY_COLUMNS = [f.column for f in Discrepancy._meta.concrete_fields]
FOUND = "reconciliation_found"


@dataclass(frozen=True)
class Scope:
    aggregator_id: int
    start: datetime | None  # None: no lower bound (a rounds comparison)
    end: datetime | None
    margin: timedelta = timedelta(0)
    by_rounds: bool = False


# --- Staging their side -----------------------------------------------------------------------


def stage(batch: int, rows: Iterable[tuple]) -> int:
    """COPY `rows` (external_id, kind, player_id, round_id, amount, currency, status,
    occurred_at) into the staging table under `batch`; returns how many. Streams: memory
    stays flat whatever the count."""
    count = 0
    columns = ", ".join((*STAGED_COLUMNS, "occurred_at"))
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {STAGED} ({columns}) FROM STDIN") as copy:  # noqa: S608 - model names
            for count, row in enumerate(rows, start=1):
                copy.write_row((batch, count, *row))
    return count


def stage_settled(batch: int, *, aggregator_id: int, start: datetime | None, end: datetime | None) -> int:
    """Stage the transactions settlement events counted between `start` and `end`."""
    return _stage_select(
        batch,
        SettledTransaction._meta.db_table,
        "aggregator_id = %s AND (%s::timestamptz IS NULL OR occurred_at >= %s)"
        " AND (%s::timestamptz IS NULL OR occurred_at < %s)",
        [aggregator_id, start, start, end, end],
    )


def stage_event(batch: int, *, event_id: int) -> int:
    """Stage one settlement event's transactions (a shadow-mode check)."""
    return _stage_select(batch, SettledTransaction._meta.db_table, "event_id = %s", [event_id])


def stage_statement(batch: int, *, statement_id: int, start: datetime, end: datetime) -> int:
    return _stage_select(
        batch,
        StatementLine._meta.db_table,
        "statement_id = %s AND occurred_at >= %s AND occurred_at < %s",
        [statement_id, start, end],
    )


def _stage_select(batch: int, table: str, where: str, params: list) -> int:
    sql = (
        f"INSERT INTO {STAGED} (batch, line, external_id, kind, player_id, round_id, amount, currency,"  # noqa: S608
        " status, occurred_at)"
        " SELECT %s, ROW_NUMBER() OVER (ORDER BY id), external_id, kind, player_id, round_id, amount, currency,"
        f" status, occurred_at FROM {table} WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch, *params])
        return cursor.rowcount


def analyze_staged() -> None:
    """Fresh planner statistics after a large COPY: the comparison's joins are planned on the
    staged row count (hash joins at scale), not on an empty table's guess."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {STAGED}")


def unstage(batch: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STAGED} WHERE batch = %s", [batch])  # noqa: S608


def unstage_abandoned(batches: list[int]) -> None:
    """Drop the scratch rows of runs that will never finish (crashed or failed)."""
    if batches:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {STAGED} WHERE batch = ANY(%s)", [batches])  # noqa: S608


# --- Comparing ----------------------------------------------------------------------------------

# Our record's state in their words: refused (never counted), rolled back (a bet a rollback
# cancelled), settled (anything else we accepted: applied, nothing to move, or a rollback
# remembered before its bet).
_OURS = f"""
    SELECT t.id, t.external_id, t.kind, t.amount, t.created_at, w.currency_id AS currency,
           p.external_id AS player_id, COALESCE(r.external_id, '') AS round_id,
           CASE WHEN t.outcome = 'refused' THEN 'refused'
                WHEN rb.reference_id IS NOT NULL THEN 'rolled_back'
                ELSE 'settled' END AS status
    FROM {CALLS} t
    JOIN {WALLETS} w ON w.id = t.wallet_id
    JOIN {PLAYERS} p ON p.id = w.player_id
    LEFT JOIN {ROUNDS} r ON r.id = t.round_id
    LEFT JOIN rolled rb ON rb.reference_id = t.external_id AND t.kind = 'bet'
    WHERE t.aggregator_id = %(aggregator)s AND t.mode = 'real'
"""  # noqa: S608 - model table names only


def _ours_ctes(scope: Scope) -> str:
    """`rolled` (bets a rollback cancelled: the aggregator's, or a staff void of a stale round,
    wallet/services/rounds.py), `ours_near` (our records their rows are matched against) and
    `ours_in` (the records of ours this comparison answers for)."""
    if scope.by_rounds:
        # Every record of the rounds their rows name, and any record carrying one of their ids.
        their_rounds = (
            f"SELECT x.id FROM {ROUNDS} x WHERE x.aggregator_id = %(aggregator)s"  # noqa: S608
            " AND x.external_id IN (SELECT round_id FROM their_in)"
        )
        rolled_where = f"(b.reference_id IN (SELECT external_id FROM their_in) OR b.round_id IN ({their_rounds}))"  # noqa: S608
        voided_where = f"v.round_id IN ({their_rounds})"
        near = (
            f"({_OURS} AND r.external_id IN (SELECT round_id FROM their_in))"  # noqa: S608
            f" UNION ({_OURS} AND t.external_id IN (SELECT external_id FROM their_in))"
        )
        ours_in = f"{_OURS} AND r.external_id IN (SELECT round_id FROM their_in)"  # noqa: S608
    else:
        # A rollback comes after its bet: those since the window's start (less the margin) are enough.
        rolled_where = "b.created_at >= %(near_start)s"
        voided_where = "v.created_at >= %(near_start)s"
        near = f"{_OURS} AND t.created_at >= %(near_start)s AND t.created_at < %(near_end)s"  # noqa: S608
        ours_in = "SELECT * FROM ours_near WHERE created_at >= %(start)s AND created_at < %(end)s"
    return (
        f"rolled AS (SELECT b.reference_id FROM {CALLS} b"  # noqa: S608
        " WHERE b.aggregator_id = %(aggregator)s AND b.kind = 'rollback' AND b.outcome = 'applied'"
        f" AND b.reference_id <> '' AND {rolled_where}"
        f" UNION SELECT v.reference FROM {LEDGER} v WHERE v.aggregator_id = %(aggregator)s"
        f" AND v.kind = 'rollback' AND v.created_by_id IS NOT NULL AND {voided_where}),"
        f" ours_near AS MATERIALIZED ({near}),"
        f" ours_in AS ({ours_in})"
    )


def compare(batch: int, scope: Scope) -> dict[str, int]:
    """Classify every difference between staged batch `batch` and our records into the temporary
    table FOUND (dropped at commit: call inside the run's transaction). Returns counts per class."""
    their_in = "SELECT * FROM their WHERE nth = 1"
    if scope.start is not None:
        their_in += " AND occurred_at >= %(start)s AND occurred_at < %(end)s"
    sql = f"""
        CREATE TEMPORARY TABLE {FOUND} ON COMMIT DROP AS
        WITH their AS MATERIALIZED (
            SELECT s.*, COUNT(*) OVER (PARTITION BY s.external_id) AS copies,
                   ROW_NUMBER() OVER (PARTITION BY s.external_id ORDER BY s.line) AS nth
            FROM {STAGED} s WHERE s.batch = %(batch)s
        ),
        their_in AS MATERIALIZED ({their_in}),
        {_ours_ctes(scope)},
        pairs AS (
            SELECT th.external_id AS transaction_id, th.kind AS their_kind, th.amount AS their_amount,
                   th.currency AS their_currency, th.status AS their_status, th.copies AS their_copies,
                   th.round_id AS their_round, th.player_id AS their_player, th.occurred_at AS their_at,
                   o.id AS our_record_id, o.amount AS our_amount, o.currency AS our_currency,
                   o.status AS our_status, o.round_id AS our_round, o.player_id AS our_player,
                   CASE
                       WHEN th.copies > 1 THEN 'duplicate_there'
                       WHEN o.id IS NULL THEN CASE WHEN th.status = 'settled' THEN 'missing_here' END
                       WHEN th.currency <> o.currency THEN 'currency_mismatch'
                       -- counted on one side only (rolled back and refused both mean: no money)
                       WHEN (th.status = 'settled') <> (o.status = 'settled') THEN 'status_mismatch'
                       WHEN th.amount <> o.amount THEN 'amount_mismatch'
                   END AS kind
            FROM their_in th LEFT JOIN ours_near o ON o.external_id = th.external_id
        )
        SELECT kind, transaction_id, COALESCE(our_round, their_round) AS round_id,
               COALESCE(our_player, their_player) AS player_id, their_at AS occurred_at,
               their_amount, their_currency, their_status, their_kind, their_copies::int AS their_copies,
               our_record_id, our_amount, COALESCE(our_currency, '') AS our_currency,
               COALESCE(our_status, '') AS our_status
        FROM pairs WHERE kind IS NOT NULL
        UNION ALL
        SELECT 'missing_there', o.external_id, o.round_id, o.player_id, o.created_at,
               NULL, '', '', '', 0, o.id, o.amount, o.currency, o.status
        FROM ours_in o
        WHERE o.status <> 'refused' AND NOT EXISTS (SELECT 1 FROM their th WHERE th.external_id = o.external_id)
    """  # noqa: S608 - model table names and our own fragments; values are parameters
    params = {
        "batch": batch,
        "aggregator": scope.aggregator_id,
        "start": scope.start,
        "end": scope.end,
        "near_start": scope.start - scope.margin if scope.start else None,
        "near_end": scope.end + scope.margin if scope.end else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FOUND}")
        cursor.execute(sql, params)
        cursor.execute(f"SELECT kind, COUNT(*) FROM {FOUND} GROUP BY kind")  # noqa: S608
        return dict(cursor.fetchall())


def our_rows(scope: Scope) -> int:
    """How many of our records the comparison answered for (a window run's figure)."""
    if scope.by_rounds or scope.start is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {CALLS} WHERE aggregator_id = %s AND mode = 'real'"  # noqa: S608
            " AND created_at >= %s AND created_at < %s",
            [scope.aggregator_id, scope.start, scope.end],
        )
        return cursor.fetchone()[0]


# --- Writing the discrepancies ------------------------------------------------------------------


def _history_insert(source_cte: str, history_type: str) -> str:
    columns = ", ".join(DISCREPANCY_COLUMNS)
    return (
        f"INSERT INTO {HISTORY} ({columns}, history_date, history_change_reason, history_type, history_user_id)"  # noqa: S608
        f" SELECT {columns}, %(now)s, %(reason)s, '{history_type}', NULL FROM {source_cte}"
    )


def record_found(
    *, scope: Scope, source: str, run_id: int | None, evidence_id: int | None, now: datetime, reason: str
) -> int:
    """Upsert FOUND into the discrepancies: a new one is opened; one still open (or being
    investigated) is the same discrepancy seen again, refreshed. Returns how many are new."""
    columns = (
        "aggregator_id, source, kind, transaction_id, round_id, player_id, occurred_at, their_amount,"
        " their_currency, their_status, their_kind, their_copies, our_record_id, our_amount, our_currency,"
        " our_status, status, resolution, note, first_run_id, last_run_id, evidence_id, detected_at"
    )
    sql = f"""
        WITH upserted AS (
            INSERT INTO {DISCREPANCIES} ({columns})
            SELECT %(aggregator)s, %(source)s, f.kind, f.transaction_id, COALESCE(f.round_id, ''),
                   COALESCE(f.player_id, ''), f.occurred_at, f.their_amount, f.their_currency, f.their_status,
                   f.their_kind, f.their_copies, f.our_record_id, f.our_amount, f.our_currency, f.our_status,
                   'open', '', '', %(run)s, %(run)s, %(evidence)s, %(now)s
            FROM {FOUND} f
            -- Staff's resolution stands: what they resolved is not opened again by the next run
            -- over the same hours (the overlap). Only a self-healed one may come back.
            WHERE NOT EXISTS (
                SELECT 1 FROM {DISCREPANCIES} r
                WHERE r.aggregator_id = %(aggregator)s AND r.transaction_id = f.transaction_id
                  AND r.source = %(source)s AND r.kind = f.kind
                  AND r.status = 'resolved' AND r.resolution <> 'self_healed'
            )
            ON CONFLICT (aggregator_id, source, kind, transaction_id) WHERE status <> 'resolved'
            DO UPDATE SET last_run_id = COALESCE(EXCLUDED.last_run_id, {DISCREPANCIES}.last_run_id),
                their_amount = EXCLUDED.their_amount, their_currency = EXCLUDED.their_currency,
                their_status = EXCLUDED.their_status, their_copies = EXCLUDED.their_copies,
                our_record_id = EXCLUDED.our_record_id, our_amount = EXCLUDED.our_amount,
                our_currency = EXCLUDED.our_currency, our_status = EXCLUDED.our_status
            RETURNING *, (xmax = 0) AS inserted
        ),
        created AS (SELECT * FROM upserted WHERE inserted),
        history AS ({_history_insert("created", "+")})
        SELECT COUNT(*) FROM created
    """  # noqa: S608
    params = {
        "aggregator": scope.aggregator_id,
        "source": source,
        "run": run_id,
        "evidence": evidence_id,
        "now": now,
        "reason": reason,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def heal_missing(*, scope: Scope, source: str, batch: int, now: datetime, reason: str) -> int:
    """Close as self-healed every unresolved discrepancy of this scope that FOUND no longer
    holds. Returns how many."""
    if scope.by_rounds:
        within = (
            f"(d.round_id IN (SELECT round_id FROM {STAGED} WHERE batch = %(batch)s)"  # noqa: S608
            f" OR d.transaction_id IN (SELECT external_id FROM {STAGED} WHERE batch = %(batch)s))"
        )
        if scope.start is not None:
            within += " AND d.occurred_at >= %(start)s AND d.occurred_at < %(end)s"
    else:
        within = "d.occurred_at >= %(start)s AND d.occurred_at < %(end)s"
    sql = f"""
        WITH healed AS (
            UPDATE {DISCREPANCIES} d SET status = 'resolved', resolution = 'self_healed', resolved_at = %(now)s,
                note = CASE WHEN d.note = '' THEN %(reason)s ELSE d.note || E'\\n' || %(reason)s END
            WHERE d.aggregator_id = %(aggregator)s AND d.source = %(source)s AND d.status <> 'resolved'
              AND {within}
              AND NOT EXISTS (SELECT 1 FROM {FOUND} f WHERE f.kind = d.kind AND f.transaction_id = d.transaction_id)
            RETURNING d.*
        ),
        history AS ({_history_insert("healed", "~")})
        SELECT COUNT(*) FROM healed
    """  # noqa: S608
    params = {
        "aggregator": scope.aggregator_id,
        "source": source,
        "batch": batch,
        "start": scope.start,
        "end": scope.end,
        "now": now,
        "reason": reason,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def lock_aggregator(aggregator_id: int) -> None:
    """One write of discrepancies per aggregator at a time (two runs of overlapping windows
    would otherwise each open the same discrepancy): a transaction-scoped advisory lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('reconciliation'), %s)", [aggregator_id])

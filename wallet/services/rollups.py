"""The dashboard's rollups (wallet/models.py: MoneyMinute, CallMinute, ActivePlayerHour), kept
from a watermark per source table.

Each run adds the rows past the watermark to per-minute (and per-hour) sums and moves the
watermark, in one transaction per batch that holds the watermark row's lock: two runs (beat
fires again, a retry) queue on it, and the second sees the moved watermark, so no row is
counted twice. A row is added only once it is ROLLUP_LAG_SECONDS old: ids are handed out
before commit, so a transaction still committing can hold an id below a newer committed one;
money transactions last milliseconds (their lock timeout is 2 s), so after that lag every id
below the watermark is committed. The dashboard reads the rows past the watermark live
(wallet/dashboard.py), so its figures are current all the same.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from wallet.models import LATENCY_BUCKETS_MS, RollupWatermark

ROLLUP_LAG = timedelta(seconds=30)
BATCH = 100_000  # rows per transaction: a backlog (a first run on a big ledger) goes in steps

LEDGER = "wallet_ledgertransaction"
CALLS = "wallet_aggregatortransaction"

# The real-money game postings between two ids, per minute, aggregator and currency; the wallet
# leg's amount is negative for a bet, positive for a win or a refund.
MONEY_SELECT = """
SELECT date_trunc('minute', t.created_at) AS minute, t.aggregator_id, t.currency_id,
       count(*) FILTER (WHERE t.kind = 'bet') AS bets,
       coalesce(sum(-e.amount) FILTER (WHERE t.kind = 'bet'), 0)::bigint AS bet_amount,
       coalesce(sum(e.amount) FILTER (WHERE t.kind = 'win'), 0)::bigint AS win_amount,
       coalesce(sum(e.amount) FILTER (WHERE t.kind = 'rollback'), 0)::bigint AS rollback_amount
  FROM wallet_ledgertransaction t
  JOIN wallet_ledgerentry e ON e.transaction_id = t.id AND e.wallet_id IS NOT NULL
 WHERE t.id > %s AND t.id <= %s AND t.mode = 'real' AND t.kind IN ('bet', 'win', 'rollback')
   AND t.aggregator_id IS NOT NULL
 GROUP BY 1, 2, 3
"""

ACTIVE_SELECT = """
SELECT DISTINCT date_trunc('hour', t.created_at) AS hour, w.player_id
  FROM wallet_ledgertransaction t JOIN wallet_wallet w ON w.id = t.wallet_id
 WHERE t.id > %s AND t.id <= %s AND t.mode = 'real' AND t.kind = 'bet'
"""

_LE = ", ".join(f"count(*) FILTER (WHERE elapsed_us <= {ms * 1000}) AS le_{ms}ms" for ms in LATENCY_BUCKETS_MS)
CALLS_SELECT = f"""
SELECT date_trunc('minute', created_at) AS minute, aggregator_id, count(*) AS calls,
       count(*) FILTER (WHERE outcome = 'refused') AS refused, count(elapsed_us) AS timed, {_LE}
  FROM wallet_aggregatortransaction
 WHERE id > %s AND id <= %s AND mode = 'real'
 GROUP BY 1, 2
"""  # noqa: S608 (the bucket bounds are our constants)

_MONEY_SUMS = ("bets", "bet_amount", "win_amount", "rollback_amount")
_CALL_SUMS = ("calls", "refused", "timed", *(f"le_{ms}ms" for ms in LATENCY_BUCKETS_MS))


def _upsert(table: str, select: str, key: str, sums: tuple[str, ...]) -> str:
    columns = ", ".join(sums)
    adds = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in sums)
    return (
        f"INSERT INTO {table} ({key}, {columns}) SELECT {key}, {columns} FROM ({select}) s"  # noqa: S608
        f" ON CONFLICT ({key}) DO UPDATE SET {adds}"
    )


MONEY_UPSERT = _upsert("wallet_moneyminute", MONEY_SELECT, "minute, aggregator_id, currency_id", _MONEY_SUMS)
CALLS_UPSERT = _upsert("wallet_callminute", CALLS_SELECT, "minute, aggregator_id", _CALL_SUMS)
ACTIVE_INSERT = f"INSERT INTO wallet_activeplayerhour (hour, player_id) {ACTIVE_SELECT} ON CONFLICT DO NOTHING"  # noqa: S608


def rollups_advance(*, lag: timedelta = ROLLUP_LAG, batch: int = BATCH) -> dict[str, int]:
    """Add every row older than `lag` past each watermark to the rollups; returns how many ids
    each source advanced by. Safe to run twice at once (the watermark row's lock)."""
    moved = {}
    for source, statements in ((LEDGER, (MONEY_UPSERT, ACTIVE_INSERT)), (CALLS, (CALLS_UPSERT,))):
        moved[source] = 0
        RollupWatermark.objects.get_or_create(source=source)
        while True:
            step = _advance_one(source, statements, lag=lag, batch=batch)
            moved[source] += step
            if step < batch:
                break
    return moved


def _advance_one(source: str, statements: tuple[str, ...], *, lag: timedelta, batch: int) -> int:
    with transaction.atomic(durable=True):
        # The lock makes concurrent runs take turns: each adds only what the other has not.
        mark = RollupWatermark.objects.select_for_update().get(source=source)
        with connection.cursor() as cursor:
            # The newest id old enough to be surely committed (read backwards along the key;
            # only the last `lag` of rows is skipped).
            cursor.execute(
                f"SELECT id FROM {source} WHERE id > %s AND created_at < %s ORDER BY id DESC LIMIT 1",  # noqa: S608
                [mark.last_id, timezone.now() - lag],
            )
            row = cursor.fetchone()
            if row is None:
                return 0
            upto = min(row[0], mark.last_id + batch)
            for sql in statements:
                cursor.execute(sql, [mark.last_id, upto])
        step = upto - mark.last_id
        mark.last_id = upto
        mark.save(update_fields=["last_id", "updated_at"])
    return step

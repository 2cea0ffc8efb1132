"""The daily rollup: DailyFigures and PlayerDay, brought up to date from the ledger since the
watermark, by a beat task (games.tasks.rollup_ledger) and by `manage.py report`.

Exact and rerunnable: each batch is one transaction that locks the watermark row, adds the
batch's ledger transactions to the figures (an upsert that adds) and moves the watermark past
them, so a batch is counted once whatever runs it, and two runs queue on the lock. Unique
players are rows of PlayerDay (insert-if-absent): a player counts once per day and game however
many batches see them.

Ledger ids are handed out before their transactions commit, so a later id can become visible
before an earlier one. The rollup only reads transactions created more than SETTLE_SECONDS ago:
every money call's transaction is short (lock_timeout, durable atomics), so by then every
smaller id has committed or never will.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from games.models import DailyFigures, Game, GameLaunch, PlayerDay, RollupWatermark
from wallet.models import GameRound, HouseAccount, LedgerEntry, LedgerTransaction, Wallet

WATERMARK = "daily"
SETTLE_SECONDS = 60
BATCH = 200_000  # ledger ids per statement: bounded memory, a day of traffic in a few batches

Kind = LedgerTransaction.Kind
GAME_KINDS = (
    Kind.BET,
    Kind.WIN,
    Kind.ROLLBACK,
    Kind.FREE_SPIN_WIN,
    Kind.PROMO_WIN,
    Kind.TOURNAMENT_WIN,
    Kind.JACKPOT_CONTRIBUTION,
    Kind.JACKPOT_WIN,
)
BONUS_KINDS = (Kind.FREE_SPIN_WIN, Kind.PROMO_WIN, Kind.TOURNAMENT_WIN)

TABLES = {
    "txn": LedgerTransaction._meta.db_table,
    "entry": LedgerEntry._meta.db_table,
    "wallet": Wallet._meta.db_table,
    "house": HouseAccount._meta.db_table,
    "round": GameRound._meta.db_table,
    "launch": GameLaunch._meta.db_table,
    "game": Game._meta.db_table,
    "figures": DailyFigures._meta.db_table,
    "players": PlayerDay._meta.db_table,
}

KEY = "day, aggregator_id, game_code, currency_id"
COUNTS = ("rounds", "bets", "turnover", "wins", "bonus_cost", "jackpot_contributions", "jackpot_wins")


def _kinds(kinds) -> str:
    return ", ".join(f"'{k}'" for k in kinds)  # our own constants, never input


# One statement per batch. The amount of a transaction is its wallet leg (wallet currency: a
# call played in another currency is counted as it moved the wallet), or for a jackpot
# contribution (house accounts only) its pool's leg (negative: a rolled-back bet's reversal).
ROLLUP_SQL = f"""
WITH txn AS (
    SELECT t.id, t.kind, (t.created_at AT TIME ZONE 'UTC')::date AS day, t.round_id, t.currency_id,
           w.player_id,
           (SELECT COALESCE(SUM(e.amount) FILTER (WHERE e.wallet_id IS NOT NULL),
                            SUM(e.amount) FILTER (WHERE h.kind = 'jackpot'))
              FROM {TABLES["entry"]} e LEFT JOIN {TABLES["house"]} h ON h.id = e.house_account_id
             WHERE e.transaction_id = t.id) AS amount
    FROM {TABLES["txn"]} t JOIN {TABLES["wallet"]} w ON w.id = t.wallet_id
    WHERE t.id > %(low)s AND t.id <= %(high)s AND t.mode = 'real' AND t.round_id IS NOT NULL
      AND t.kind IN ({_kinds(GAME_KINDS)})
), batch AS (
    SELECT txn.*, r.aggregator_id, r.game_code, cg.id AS game_id, cg.provider_id,
           txn.kind = 'bet' AND NOT EXISTS (
               SELECT 1 FROM {TABLES["txn"]} p WHERE p.round_id = txn.round_id AND p.kind = 'bet' AND p.id < txn.id
           ) AS new_round
    FROM txn JOIN {TABLES["round"]} r ON r.id = txn.round_id
    LEFT JOIN {TABLES["launch"]} gl ON gl.session_id = r.session_id
    LEFT JOIN {TABLES["game"]} lg ON lg.aggregator_id = r.aggregator_id AND lg.code = r.game_code
    LEFT JOIN {TABLES["game"]} cg ON cg.id = COALESCE(gl.game_id, lg.id)
), new_players AS (
    INSERT INTO {TABLES["players"]} ({KEY}, player_id, provider_id)
    SELECT DISTINCT ON ({KEY}, player_id) {KEY}, player_id, provider_id FROM batch
    ON CONFLICT DO NOTHING
    RETURNING {KEY}
), players AS (
    SELECT {KEY}, COUNT(*) AS n FROM new_players GROUP BY {KEY}
), sums AS (
    SELECT {KEY},
           (ARRAY_AGG(game_id) FILTER (WHERE game_id IS NOT NULL))[1] AS game_id,
           MAX(provider_id) AS provider_id,
           COUNT(*) FILTER (WHERE new_round) AS rounds,
           COUNT(*) FILTER (WHERE kind = 'bet') AS bets,
           COALESCE(SUM(-amount) FILTER (WHERE kind = 'bet'), 0)
             - COALESCE(SUM(amount) FILTER (WHERE kind = 'rollback'), 0) AS turnover,
           COALESCE(SUM(amount) FILTER (WHERE kind = 'win'), 0) AS wins,
           COALESCE(SUM(amount) FILTER (WHERE kind IN ({_kinds(BONUS_KINDS)})), 0) AS bonus_cost,
           COALESCE(SUM(amount) FILTER (WHERE kind = 'jackpot_contribution'), 0) AS jackpot_contributions,
           COALESCE(SUM(amount) FILTER (WHERE kind = 'jackpot_win'), 0) AS jackpot_wins
    FROM batch GROUP BY {KEY}
)
INSERT INTO {TABLES["figures"]} ({KEY}, game_id, provider_id, {", ".join(COUNTS)}, unique_players)
SELECT s.day, s.aggregator_id, s.game_code, s.currency_id, s.game_id, s.provider_id,
       {", ".join(f"s.{c}" for c in COUNTS)}, COALESCE(p.n, 0)
FROM sums s LEFT JOIN players p USING ({KEY})
ON CONFLICT ({KEY}) DO UPDATE SET
    game_id = COALESCE({TABLES["figures"]}.game_id, EXCLUDED.game_id),
    provider_id = COALESCE({TABLES["figures"]}.provider_id, EXCLUDED.provider_id),
    {", ".join(f"{c} = {TABLES['figures']}.{c} + EXCLUDED.{c}" for c in COUNTS)},
    unique_players = {TABLES["figures"]}.unique_players + EXCLUDED.unique_players
"""  # noqa: S608 - table names come from the models, kinds are our constants, values are parameters


@dataclass(frozen=True)
class RollupRun:
    batches: int
    from_id: int
    to_id: int


def rollup_ledger(*, settle_seconds: int = SETTLE_SECONDS, batch: int = BATCH) -> RollupRun:
    """Count every ledger transaction created more than `settle_seconds` ago that the rollup has
    not counted yet; returns the ids it covered. Safe to run twice, or twice at once."""
    cutoff = timezone.now() - timedelta(seconds=settle_seconds)
    high = LedgerTransaction.objects.filter(created_at__lt=cutoff).aggregate(high=Max("id"))["high"] or 0
    RollupWatermark.objects.get_or_create(name=WATERMARK)
    batches, start = 0, None
    while True:
        with transaction.atomic():
            # Runs queue here: the second one sees the first's watermark and counts nothing twice.
            mark = RollupWatermark.objects.select_for_update().get(name=WATERMARK)
            start = mark.last_ledger_id if start is None else start
            if mark.last_ledger_id >= high:
                return RollupRun(batches, start, mark.last_ledger_id)
            upper = min(high, mark.last_ledger_id + batch)
            with connection.cursor() as cursor:
                cursor.execute(ROLLUP_SQL, {"low": mark.last_ledger_id, "high": upper})
            mark.last_ledger_id = upper
            mark.save(update_fields=["last_ledger_id", "updated_at"])
            batches += 1

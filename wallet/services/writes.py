"""Writing a money call's Decision: its round, its ledger transaction and its record.

Everything goes in one statement (PostgreSQL's data-modifying common table expressions), so
the wallet lock is held for one round trip of writes, not four; the ids the rows share (the
new round's, the ledger transaction's) are read from the statement's own RETURNING clauses.
"""

from __future__ import annotations

from django.utils import timezone

from wallet import rows
from wallet.models import AggregatorTransaction, GameRound
from wallet.services.ledger import posted, posting_ctes
from wallet.services.rules import Decision, RoundChange

NEW_ROUND_ID = "(SELECT id FROM new_round)"
LEDGER_TRANSACTION_ID = "(SELECT id FROM txn)"


def write_call(
    record: AggregatorTransaction, decision: Decision, *, also: tuple[str, list] | None = None
) -> AggregatorTransaction:
    """Write `decision` and `record` (unsaved; it names the decision's round and ledger
    transaction), under the lock of the wallet they belong to, and return the saved record.
    `also`: one more data-modifying statement (SQL, parameters; no RETURNING) to run in the same
    statement, such as the responsible-gaming totals a call adds to (casino/responsible_gaming.py)."""
    _write_in_one_statement(record, decision, also)
    return record


def _write_in_one_statement(record: AggregatorTransaction, decision: Decision, also: tuple[str, list] | None) -> None:
    ctes: list[str] = []
    params: list = []
    shared: dict[str, str] = {}
    round_ = decision.round
    if round_ is not None and round_.pk is None:
        sql, values = rows.insert_values(round_)
        ctes.append(f"new_round AS ({sql} RETURNING id)")
        params += values
        shared["round_id"] = NEW_ROUND_ID
    elif decision.round_change is not None:
        assert round_ is not None  # a Decision changes only the round it names
        sql, values = _round_update(round_.pk, decision.round_change)
        ctes.append(f"round_moved AS ({sql})")
        params += values
    ledger = {}
    if decision.posting is not None:
        # One created_at for the record and its ledger transaction (and so its entries): the
        # composite foreign key (ledger_transaction_id, created_at) holds them in one month.
        decision.posting.ledger.created_at = record.created_at
        sql, values = posting_ctes(decision.posting, **shared)
        ctes.append(sql)
        params += values
        ledger["ledger_transaction_id"] = LEDGER_TRANSACTION_ID
    sql, values = rows.insert_values(record, **shared, **ledger)
    ctes.append(f"record AS ({sql} RETURNING id)")
    params += values
    if also is not None:
        # A data-modifying CTE runs exactly once whether or not the statement reads it.
        ctes.append(f"also_written AS ({also[0]})")
        params += also[1]

    new_round = NEW_ROUND_ID if "round_id" in shared else "NULL::bigint"
    txn, legs = (
        (LEDGER_TRANSACTION_ID, "(SELECT COUNT(house_account_id) FROM legs)") if ledger else ("NULL::bigint", "NULL")
    )
    # Only our own SQL fragments are joined here; every value is a parameter.
    sql = f"WITH {', '.join(ctes)} SELECT (SELECT id FROM record), {new_round}, {txn}, {legs}"  # noqa: S608
    with rows.cursor() as cursor:
        cursor.execute(sql, params)
        record.pk, round_id, ledger_id, house_legs = cursor.fetchone()
    if round_ is not None and round_id is not None:  # a new round was inserted
        round_.pk = round_id
        rows.saved(round_)
        record.round_id = round_id
    if decision.posting is not None:
        record.ledger_transaction_id = posted(decision.posting, ledger_id, house_legs).pk
    rows.saved(record)


def _round_update(round_id: int, change: RoundChange) -> tuple[str, list]:
    now = rows.db().ops.adapt_datetimefield_value(timezone.now())
    sql = (
        "UPDATE wallet_gameround SET live_bets = live_bets + %s, rolled_back_bets = rolled_back_bets + %s,"
        " bet_total = bet_total + %s, win_total = win_total + %s, bonus_stake = bonus_stake + %s,"
        " last_activity_at = %s"
    )
    params = [change.live_bets, change.rolled_back_bets, change.bet_total, change.win_total, change.bonus_stake, now]
    if change.closes:
        sql += ", status = %s, closed_at = %s"
        params += [GameRound.Status.CLOSED.value, now]
    return f"{sql} WHERE id = %s", [*params, round_id]

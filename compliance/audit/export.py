"""Exports for regulators and disputes: the audit log, and a player's statement, as CSV (UTF-8
with a byte-order mark so spreadsheets read it as UTF-8, ISO-8601 UTC times, one header row) or
JSON Lines. Both stream: rows are read in chunks through a server-side cursor and written out
as they come, so memory stays flat whatever the size (docs/benchmarks.md, "Audit export").
The admin (StreamingHttpResponse) and the commands (export_audit, export_statement) share them.

Every export is itself recorded in the audit log (export_record), before its first row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.apps import apps
from django.db import connection
from django.utils.dateparse import parse_datetime

from casino.models import Aggregator, Player
from compliance.audit.chain import audit_append
from compliance.models import AuditRecord
from wallet.models import GameRound, LedgerEntry, LedgerTransaction, Wallet

FORMATS = ("csv", "jsonl")
CHUNK_ROWS = 2000
BOM = "\ufeff"

AUDIT_COLUMNS = [
    "id",
    "created_at",
    "kind",
    "actor",
    "actor_id",
    "ip_address",
    "object_type",
    "object_id",
    "object_repr",
    "player",
    "changes",
    "reason",
    "prev_hash",
    "hash",
]
STATEMENT_COLUMNS = [
    "entry_id",
    "created_at",
    "ledger_transaction_id",
    "kind",
    "currency",
    "mode",
    "amount",
    "balance_after",
    "aggregator",
    "transaction_id",
    "round_id",
    "game_code",
    "catalog_game",
    "memo",
    "created_by",
    "approved_by",
]


class ExportInvalid(ValueError):
    """Bad export parameters: a clear message for the form or the command line."""


def parse_time(text: str, *, name: str) -> datetime:
    """An ISO-8601 time or date; without a zone it is UTC."""
    text = (text or "").strip()
    try:
        parsed = parse_datetime(text) if "T" in text or " " in text else None
        if parsed is None:
            parsed = datetime.fromisoformat(text)
    except ValueError:  # also well-formed but impossible: month 13, hour 25
        raise ExportInvalid(f"{name}: not an ISO-8601 time or date: {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AuditFilter:
    start: datetime
    end: datetime
    player: str = ""
    kinds: tuple[str, ...] = field(default_factory=tuple)
    # Records before this id only: an export leaves out its own record (export_record), and
    # whatever is appended while it streams.
    before_id: int | None = None

    def __post_init__(self):
        if self.end <= self.start:
            raise ExportInvalid("the end must be after the start")

    def as_dict(self) -> dict:
        return {"from": iso(self.start), "to": iso(self.end), "player": self.player, "kinds": list(self.kinds)}


def iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


def _audit_where(selection: AuditFilter) -> tuple[str, list]:
    """The WHERE clause (and its parameters) of the records `selection` exports."""
    clauses, params = ["created_at >= %s", "created_at < %s"], [selection.start, selection.end]
    if selection.before_id is not None:
        clauses.append("id < %s")
        params.append(selection.before_id)
    if selection.player:
        clauses.append("player = %s")
        params.append(selection.player)
    if selection.kinds:
        # "auth" selects auth.login, auth.logout...; "auth.login" selects only that kind.
        clauses.append("(" + " OR ".join("kind = %s OR starts_with(kind, %s)" for _ in selection.kinds) + ")")
        for kind in selection.kinds:
            params += [kind, f"{kind}."]
    return " AND ".join(clauses), params


# The audit export's rows are formatted by PostgreSQL (times, JSON, spreadsheet-safe text), so
# Python only passes finished text on: 1,000,000 records well within a minute (benchmarks.md).
UTC_TIME = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
TEXT_COLUMNS = ("kind", "actor", "object_type", "object_id", "object_repr", "player", "reason")
# A spreadsheet runs a cell starting with = + - @ (or a tab or CR) as a formula; such text (a
# user name typed at the login, a memo) gets a leading apostrophe in CSV. JSON keeps it as is.
CSV_SAFE = "CASE WHEN {0} ~ '^[-=+@\\t\\r]' THEN chr(39) || {0} ELSE {0} END"


def _audit_select(fmt: str) -> str:
    expressions = {"created_at": UTC_TIME.format("created_at"), "ip_address": "host(ip_address)"}
    if fmt == "jsonl":
        pairs = ", ".join(f"'{name}', {expressions.get(name, name)}" for name in AUDIT_COLUMNS)
        return f"json_build_object({pairs})::text"
    expressions["changes"] = "changes::text"
    expressions.update({name: CSV_SAFE.format(name) for name in TEXT_COLUMNS})
    return ", ".join(expressions.get(name, name) for name in AUDIT_COLUMNS)


def audit_count(selection: AuditFilter) -> int:
    where, params = _audit_where(selection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {AuditRecord._meta.db_table} WHERE {where}", params)  # noqa: S608
        return cursor.fetchone()[0]


def audit_chunks(selection: AuditFilter, *, fmt: str, progress: Callable[[int], None] | None = None):
    """The export of `selection` as text chunks (CSV: the header first), read in chain order
    through a server-side cursor (Django's chunked cursor), CHUNK_ROWS rows per chunk."""
    if fmt not in FORMATS:
        raise ExportInvalid(f"format must be one of {', '.join(FORMATS)}")
    where, params = _audit_where(selection)
    statement = f"SELECT {_audit_select(fmt)} FROM {AuditRecord._meta.db_table} WHERE {where} ORDER BY id"  # noqa: S608
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n") if fmt == "csv" else None
    if writer is not None:
        buffer.write(BOM)
        writer.writerow(AUDIT_COLUMNS)
    written = 0
    with connection.chunked_cursor() as cursor:
        cursor.execute(statement, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            if writer is not None:
                writer.writerows(rows)
            else:
                buffer.write("\n".join(row[0] for row in rows))
                buffer.write("\n")
            written += len(rows)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if progress:
                progress(written)
    yield buffer.getvalue()
    if progress:
        progress(written)


# --- A player's statement ------------------------------------------------------------------------


def _statement_sql() -> str:
    """Every ledger movement of the player's wallets, with its round, game, aggregator and
    aggregator transaction id, and the wallet's balance after it (the running balance).

    The catalog game comes from the games app's launch record of the round's session. Compliance
    does not import games (peers never import each other), so it is joined here by the tables
    the installed models name (apps.get_model), a read only; without the games app it is empty."""
    entry, txn, wallet = LedgerEntry._meta.db_table, LedgerTransaction._meta.db_table, Wallet._meta.db_table
    round_, aggregator = GameRound._meta.db_table, Aggregator._meta.db_table
    user = apps.get_model("auth", "User")._meta.db_table
    game_select, game_join = "''", ""
    if apps.is_installed("games"):
        launch = apps.get_model("games", "GameLaunch")._meta.db_table
        game = apps.get_model("games", "Game")._meta.db_table
        game_select = "COALESCE(g.name || ' (' || g.external_id || ')', '')"
        game_join = f" LEFT JOIN {launch} gl ON gl.session_id = r.session_id LEFT JOIN {game} g ON g.id = gl.game_id"
    return (
        f"SELECT e.id, t.created_at, t.id, t.kind, w.currency_id, w.mode, e.amount, e.balance_after,"  # noqa: S608
        f" COALESCE(a.code, ''), t.reference, COALESCE(r.external_id, ''), COALESCE(r.game_code, ''), {game_select},"
        f" t.memo, COALESCE(cu.username, ''), COALESCE(au.username, '')"
        f" FROM {entry} e JOIN {txn} t ON t.id = e.transaction_id JOIN {wallet} w ON w.id = e.wallet_id"
        f" LEFT JOIN {aggregator} a ON a.id = t.aggregator_id LEFT JOIN {round_} r ON r.id = t.round_id"
        f"{game_join}"
        f" LEFT JOIN {user} cu ON cu.id = t.created_by_id LEFT JOIN {user} au ON au.id = t.approved_by_id"
        " WHERE w.player_id = %s AND t.created_at >= %s AND t.created_at < %s"
        " ORDER BY w.currency_id, w.mode, e.id"
    )


def statement_rows(*, player: Player, start: datetime, end: datetime) -> Iterator[dict]:
    """The player's statement for [start, end), streamed through a server-side cursor."""
    if end <= start:
        raise ExportInvalid("the end must be after the start")
    # A server-side cursor (Django's chunked cursor): rows arrive CHUNK_ROWS at a time.
    with connection.chunked_cursor() as cursor:
        cursor.execute(_statement_sql(), [player.pk, start, end])
        while rows := cursor.fetchmany(CHUNK_ROWS):
            for values in rows:
                row = dict(zip(STATEMENT_COLUMNS, values, strict=True))
                row["created_at"] = iso(row["created_at"])
                yield row


# --- Writing ------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A spreadsheet would run it as a formula (a user name typed at the login, a memo).
        return "'" + value
    return value


def encode(rows: Iterable[dict], *, columns: list[str], fmt: str, progress: Callable[[int], None] | None = None):
    """The export as text chunks (header first), CHUNK_ROWS rows per chunk."""
    if fmt not in FORMATS:
        raise ExportInvalid(f"format must be one of {', '.join(FORMATS)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n") if fmt == "csv" else None
    if writer is not None:
        buffer.write(BOM)
        writer.writerow(columns)
    written = 0
    for row in rows:
        if writer is not None:
            writer.writerow([_cell(row[name]) for name in columns])
        else:
            buffer.write(json.dumps(row, ensure_ascii=False, default=str))
            buffer.write("\n")
        written += 1
        if written % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if progress:
                progress(written)
    yield buffer.getvalue()
    if progress:
        progress(written)


def export_record(*, what: str, actor_id: int | None, actor: str, ip_address: str | None, detail: dict) -> AuditRecord:
    """The export itself, in the audit log (before its first row is read)."""
    return audit_append(
        kind=f"export.{what}",
        actor_id=actor_id,
        actor=actor,
        ip_address=ip_address,
        player=detail.get("player") or "",
        changes=detail,
    )

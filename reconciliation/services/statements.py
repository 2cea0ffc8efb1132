"""Statement files: an aggregator's daily CSV of transactions, imported whole or not at all.

Format (docs/reconciliation.md): UTF-8 CSV with a header row naming at least
`id,kind,player_id,round_id,amount,currency,status,time` (any order, more columns ignored);
one transaction per line, amounts in minor units, times ISO 8601 with a zone. Every bad line is
reported with its line number, and a file with any bad line imports nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from casino.models import Aggregator
from reconciliation.models import StatementImport, StatementLine
from reconciliation.parsing import RowError, their_row

COLUMNS = ("id", "kind", "player_id", "round_id", "amount", "currency", "status", "time")
MAX_PROBLEMS = 50
BATCH = 5000


@dataclass
class StatementError(ValueError):
    problems: list[str]

    def __str__(self) -> str:
        more = f" (and {len(self.problems) - MAX_PROBLEMS} more)" if len(self.problems) > MAX_PROBLEMS else ""
        return "; ".join(self.problems[:MAX_PROBLEMS]) + more


def _lines(raw: bytes):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StatementError([f"the file is not UTF-8 (byte {exc.start})"]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise StatementError([f"line 1: the header lacks {', '.join(missing)}"])
    return reader


def parse_statement(raw: bytes) -> list[StatementLine]:
    """Every line of the file as an unsaved StatementLine, or StatementError listing every bad line."""
    lines, problems = [], []
    reader = _lines(raw)
    for row in reader:
        number = reader.line_num  # the file's line (the header is line 1)
        try:
            if None in row:
                raise RowError("more fields than the header names")
            raw_amount = (row.get("amount") or "").strip()
            if not raw_amount.isdigit():
                raise RowError("amount must be a whole, non-negative number of minor units")
            item: dict = {k: (row.get(k) or "") for k in COLUMNS}
            item["amount"] = int(raw_amount)
            parsed = their_row(item)
        except RowError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        lines.append(StatementLine(line=number, **parsed._asdict()))
    if problems:
        raise StatementError(problems)
    if not lines:
        raise StatementError(["the file has no transactions"])
    return lines


def statement_import(*, aggregator: Aggregator, file_name: str, raw: bytes, staff_user=None) -> StatementImport:
    """Import a statement file in one transaction: all its lines, or (StatementError) none."""
    lines = parse_statement(raw)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        with transaction.atomic():
            statement = StatementImport.objects.create(
                aggregator=aggregator,
                file_name=file_name[:255],
                sha256=digest,
                rows=len(lines),
                first_at=min(line.occurred_at for line in lines),
                last_at=max(line.occurred_at for line in lines),
                imported_by=staff_user,
            )
            for line in lines:
                line.statement = statement
            StatementLine.objects.bulk_create(lines, batch_size=BATCH)
    except IntegrityError:
        raise StatementError([f"this file was already imported for {aggregator.code}"]) from None
    return statement

"""Monthly partitions of the ledger and the call records: creating months ahead, detaching old ones.

LedgerTransaction, LedgerEntry and AggregatorTransaction are partitioned by RANGE of
`created_at`, one partition per calendar month (UTC), named `<table>_YYYY_MM`, plus a DEFAULT
partition (migration 0010; docs/scaling.md). The hand-written DDL of partitions lives here.

- Months are created ahead (settings.PARTITION_MONTHS_AHEAD) by a daily beat task and by
  `manage.py partition_months`. The DEFAULT partition is the safety net: a row whose month has no
  partition (the task did not run for months) still lands somewhere, so a bet never fails for
  want of a partition. Rows in it are a fault to repair (`partition_months` reports them), and
  their month cannot be created while they are there (PostgreSQL refuses), so it is skipped.
- Each month of the call records gets a unique index on (aggregator_id, external_id): a unique
  key of a partitioned table must contain the partition key, so the idempotency key is unique
  within each month; across months the money call's lookup and lock keep it (services/calls.py).
- A month is detached (`manage.py detach_partition YYYY-MM`) for archiving only once it is
  past the resend horizon (settings.PARTITION_RESEND_HORIZON_MONTHS): a resend whose first record
  is no longer attached would not be found, and would be applied again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from wallet.models import AggregatorTransaction, LedgerArchive, LedgerEntry, LedgerTransaction

LEDGER = LedgerTransaction._meta.db_table
ENTRIES = LedgerEntry._meta.db_table
CALLS = AggregatorTransaction._meta.db_table
# Referencing tables first: a month of the ledger can be detached only once the entries and
# call records pointing at it (composite foreign keys) are gone from the partitioned tables.
TABLES = (CALLS, ENTRIES, LEDGER)
DEFAULT_SUFFIX = "default"
# Creating or detaching a partition locks its parent for a moment: never queue long behind the
# money path's transactions (and make them queue behind us); the next run tries again.
DDL_LOCK_TIMEOUT = "5s"


class PartitionError(Exception):
    """A month that must not, or cannot, be created or detached."""


def month_of(at: date | datetime) -> date:
    """The first day of the calendar month (UTC) of `at`."""
    if isinstance(at, datetime):
        at = at.astimezone(UTC)
    return date(at.year, at.month, 1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def near_month_turn(at: datetime, *, margin: timedelta) -> bool:
    """Whether `at` lies within `margin` of the start or the end of its month (UTC)."""
    start = month_of(at)
    end = add_months(start, 1)
    since = at - datetime(start.year, start.month, 1, tzinfo=UTC)
    until = datetime(end.year, end.month, 1, tzinfo=UTC) - at
    return since < margin or until <= margin


def parse_month(text: str) -> date:
    """'2026-11' -> date(2026, 11, 1)."""
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise PartitionError(f"{text!r} is not a month (YYYY-MM)") from None


def partition_name(table: str, month: date | None) -> str:
    """`<table>_YYYY_MM`, or `<table>_default` for None."""
    return f"{table}_{DEFAULT_SUFFIX}" if month is None else f"{table}_{month:%Y_%m}"


def month_range_sql(month: date) -> str:
    start, end = month, add_months(month, 1)
    return f"FOR VALUES FROM ('{start:%Y-%m-%d} 00:00:00+00') TO ('{end:%Y-%m-%d} 00:00:00+00')"


def partition_ddl(table: str, month: date | None) -> list[str]:
    """The statements that create one partition of `table` (a month, or DEFAULT for None),
    with the indexes a partition does not inherit: the call records' idempotency key."""
    name = partition_name(table, month)
    bounds = "DEFAULT" if month is None else month_range_sql(month)
    statements = [f'CREATE TABLE "{name}" PARTITION OF "{table}" {bounds}']
    if table == CALLS:
        statements.append(f'CREATE UNIQUE INDEX "{name}_txn_id" ON "{name}" (aggregator_id, external_id)')
    return statements


def attached_months(table: str) -> list[date]:
    """The months that have a partition of `table`, oldest first (the DEFAULT one left out)."""
    prefix = f"{table}_"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [table],
        )
        names = [name for (name,) in cursor.fetchall()]
    months = []
    for name in names:
        suffix = name.removeprefix(prefix)
        if suffix != DEFAULT_SUFFIX:
            months.append(datetime.strptime(suffix, "%Y_%m").date())
    return sorted(months)


@dataclass(frozen=True)
class Maintenance:
    created: list[str]
    skipped: list[str]  # months whose rows sit in the DEFAULT partition
    rows_in_default: dict[str, int]


def rows_in_default() -> dict[str, int]:
    """How many rows each table holds in its DEFAULT partition (0 when all is well)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            # Table names come from the models, never from input.
            cursor.execute(f'SELECT COUNT(*) FROM "{partition_name(table, None)}"')  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def partitions_create_ahead(*, at: datetime, months: int | None = None) -> Maintenance:
    """Create the partitions of every table for the month of `at` and the `months` after it
    (settings.PARTITION_MONTHS_AHEAD), those missing. Safe to run twice, or concurrently."""
    ahead = settings.PARTITION_MONTHS_AHEAD if months is None else months
    first = month_of(at)
    created, skipped = [], []
    # The ledger first: the months of the tables that reference it are created after it.
    for table in reversed(TABLES):
        have = set(attached_months(table))
        for month in (add_months(first, n) for n in range(ahead + 1)):
            if month in have:
                continue
            if partition_create(table, month):
                created.append(partition_name(table, month))
            else:
                skipped.append(partition_name(table, month))
    return Maintenance(created, skipped, rows_in_default())


def partitions_create_since(since: datetime, *, at: datetime) -> Maintenance:
    """partitions_create_ahead for every month from `since`'s (rows loaded from the past: a
    restore, the bench's seeding) up to the months ahead of `at`."""
    first, now = month_of(since), month_of(at)
    months = (now.year - first.year) * 12 + now.month - first.month + settings.PARTITION_MONTHS_AHEAD
    return partitions_create_ahead(at=datetime(first.year, first.month, 1, tzinfo=UTC), months=max(months, 0))


def partition_create(table: str, month: date) -> bool:
    """Create one month of `table`; False if rows of that month already sit in the DEFAULT
    partition (PostgreSQL refuses: they must be moved by hand first, docs/scaling.md)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT}'")
            if _default_has_month(cursor, table, month):
                return False
            for statement in partition_ddl(table, month):
                cursor.execute(statement)
    except DatabaseError as exc:
        if "already exists" in str(exc):  # another run created it meanwhile
            return True
        raise
    return True


def _default_has_month(cursor, table: str, month: date) -> bool:
    start, end = month, add_months(month, 1)
    cursor.execute(
        f'SELECT EXISTS (SELECT 1 FROM "{partition_name(table, None)}"'  # noqa: S608 - names from the models
        " WHERE created_at >= %s AND created_at < %s)",
        [datetime(start.year, start.month, 1, tzinfo=UTC), datetime(end.year, end.month, 1, tzinfo=UTC)],
    )
    return cursor.fetchone()[0]


def oldest_detachable(*, at: datetime) -> date:
    """The latest month that may be detached at `at`: every moment of it lies further back than
    the resend horizon (settings.PARTITION_RESEND_HORIZON_MONTHS months)."""
    horizon = settings.PARTITION_RESEND_HORIZON_MONTHS
    # The month M is past the horizon when its end (M + 1) is at least `horizon` months before
    # the start of the current month: with 6, at any time in November, May's end is too recent.
    return add_months(month_of(at), -horizon - 1)


def partition_detach(month: date, *, at: datetime) -> list[str]:
    """Detach `month` of the call records, the entries and the ledger (in that order, one
    transaction), and return the detached tables' names. They stay in the database as plain
    tables for archiving (pg_dump, then DROP); each account's sum of the month's entries is kept
    (LedgerArchive), so balances and check_ledger still count them. Refuses a month inside the
    resend horizon."""
    latest = oldest_detachable(at=at)
    if month > latest:
        raise PartitionError(
            f"{month:%Y-%m} is inside the resend horizon ({settings.PARTITION_RESEND_HORIZON_MONTHS} months):"
            f" a resend of one of its calls would be applied again. The latest month detachable now is {latest:%Y-%m}."
        )
    names = [partition_name(table, month) for table in TABLES]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT}'")
        missing = [table for table in TABLES if month not in attached_months(table)]
        if missing:
            raise PartitionError(f"{month:%Y-%m} has no attached partition of {', '.join(missing)}")
        # The balances still count the month's entries: their sums per account stay behind.
        entries = partition_name(ENTRIES, month)
        cursor.execute(
            f"INSERT INTO {LedgerArchive._meta.db_table}"  # noqa: S608 - names from the models
            " (month, wallet_id, house_account_id, amount, entries, last_entry_id, archived_in, created_at)"
            f' SELECT %s, wallet_id, house_account_id, SUM(amount), COUNT(*), MAX(id), %s, now() FROM "{entries}"'
            " GROUP BY wallet_id, house_account_id",
            [month, entries],
        )
        for table, name in zip(TABLES, names, strict=True):
            cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
            # A detached table keeps its foreign keys into the partitioned ledger: dropped, or
            # they would forbid detaching the ledger's month (and tie the archive to live tables).
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'"
                " AND confrelid = %s::regclass",
                [name, LEDGER],
            )
            for (constraint,) in cursor.fetchall():
                cursor.execute(f'ALTER TABLE "{name}" DROP CONSTRAINT "{constraint}"')
    return names

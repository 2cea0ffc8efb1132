"""The ledger and the call records, partitioned by calendar month of created_at (issue 15).

For each of wallet_ledgertransaction, wallet_ledgerentry and wallet_aggregatortransaction: the
table is renamed aside, a table PARTITIONED BY RANGE (created_at) takes its name with the same
columns, one partition per month from its oldest row's to PARTITION_MONTHS_AHEAD after this one
and a DEFAULT partition (wallet/partitions.py), its rows are moved over, and its keys, indexes,
foreign keys and guards are made again; then the old table is dropped. It works on an empty
database and on one with rows, in one transaction.

What changes in the database (Django's state keeps `id` as the primary key and sees only the
new column and the foreign keys it can no longer write):
- primary keys are (id, created_at): a partitioned table's unique keys must hold the partition
  key. Ids still come from one sequence per table (identity), so they stay unique;
- the entries get created_at, their transaction's; the links are composite foreign keys
  (transaction_id, created_at) and (ledger_transaction_id, created_at) -> (id, created_at);
- the one-to-one of a call record and its ledger transaction is a unique index on
  (ledger_transaction_id, created_at): a record's created_at is its transaction's, so this is
  the same as ledger_transaction_id being unique;
- the idempotency key (aggregator_id, external_id) is a unique index on each partition;
- created_at defaults to transaction_timestamp() (wallet.models.TransactionNow);
- a money request's ledger transaction, which no foreign key can reach, is checked by a trigger;
- the balance trigger reads one partition of entries (it names the created_at).

Not reversible: going back would mean merging months into one table again; restore a backup.
"""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

import wallet.models
from wallet.partitions import CALLS, ENTRIES, LEDGER, add_months, month_of, partition_ddl

ASIDE = "_premonthly"
MONEY_REQUESTS = "wallet_moneyrequest"

# The append-only guard of migration 0002, again on each new table.
APPEND_ONLY = """
    CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change()
"""

# As in migration 0002, and the entries of one transaction are looked up in its own month.
BALANCED = [
    """
    CREATE OR REPLACE FUNCTION wallet_check_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        total bigint;
        legs integer;
    BEGIN
        SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, legs
        FROM wallet_ledgerentry WHERE transaction_id = NEW.transaction_id AND created_at = NEW.created_at;
        IF total <> 0 OR legs < 2 THEN
            RAISE EXCEPTION 'ledger transaction % is unbalanced: % over % entries', NEW.transaction_id, total, legs
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
""",
    """
    CREATE CONSTRAINT TRIGGER wallet_ledgerentry_balanced
    AFTER INSERT ON wallet_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallet_check_transaction_balanced()
""",
]

# A reference no foreign key can guard (an id alone into a partitioned table): at commit, the
# row it names must exist. Ledger rows and call records are never deleted (append-only), so
# one that exists at commit stays, until its month is detached for archiving (docs/scaling.md).
REFERENCE_CHECK = [
    """
    CREATE FUNCTION wallet_check_reference() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        ref bigint := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
        found boolean;
    BEGIN
        IF ref IS NOT NULL THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1)', TG_ARGV[1]) INTO found USING ref;
            IF NOT found THEN
                RAISE EXCEPTION '%.% = % is not a row of %', TG_TABLE_NAME, TG_ARGV[0], ref, TG_ARGV[1]
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
        END IF;
        RETURN NULL;
    END $$
""",
    """
    CREATE CONSTRAINT TRIGGER wallet_moneyrequest_ledger_transaction_exists
    AFTER INSERT OR UPDATE OF ledger_transaction_id ON wallet_moneyrequest
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallet_check_reference('ledger_transaction_id', 'wallet_ledgertransaction')
""",
]


def _fetch(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _months(cursor) -> list:
    """Every month from the oldest ledger row's or call record's to PARTITION_MONTHS_AHEAD after now."""
    (oldest,) = _fetch(
        cursor,
        f"SELECT LEAST((SELECT MIN(created_at) FROM {LEDGER}{ASIDE}), (SELECT MIN(created_at) FROM {CALLS}{ASIDE}))",  # noqa: S608 - names from the models
    )[0]
    now = month_of(timezone.now())
    month = month_of(oldest) if oldest is not None and month_of(oldest) < now else now
    last = add_months(now, settings.PARTITION_MONTHS_AHEAD)
    months = []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _set_aside(cursor, table: str) -> list[str]:
    """Rename `table` aside, freeing the names of its constraints and indexes, and return the
    statements that make its indexes and outgoing foreign keys again on the new table."""
    again = []
    for name, definition in _fetch(
        cursor,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    ):
        again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    # Keys (primary, unique) are made anew below; the other indexes as they were.
    for name, definition in _fetch(
        cursor,
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass AND NOT x.indisunique",
        [table],
    ):
        again.append(definition)
        cursor.execute(f'DROP INDEX "{name}"')
    for (name,) in _fetch(
        cursor, "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u')", [table]
    ):
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for (name,) in _fetch(
        cursor,
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass AND x.indisunique",
        [table],
    ):
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    (sequence,) = _fetch(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [table])[0]
    cursor.execute(f"ALTER TABLE {table} RENAME TO {table}{ASIDE}")
    cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {table}{ASIDE}_id_seq")
    return again


def _partitioned(cursor, table: str, months: list) -> None:
    # The entries get the column: their transaction's created_at.
    created_at = ", created_at timestamp with time zone NOT NULL" if table == ENTRIES else ""
    cursor.execute(
        f"CREATE TABLE {table} (LIKE {table}{ASIDE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY"
        f"{created_at}) PARTITION BY RANGE (created_at)"
    )
    cursor.execute(f"ALTER TABLE {table} ALTER COLUMN created_at SET DEFAULT transaction_timestamp()")
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, created_at)")
    for month in [*months, None]:
        for statement in partition_ddl(table, month):
            cursor.execute(statement)


def _move_rows(cursor) -> None:
    # Table names come from the models (wallet/partitions.py), never from input.
    cursor.execute(f"INSERT INTO {LEDGER} SELECT * FROM {LEDGER}{ASIDE}")  # noqa: S608
    columns = ", ".join(
        f'e."{name}"'
        for (name,) in _fetch(
            cursor,
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
            " ORDER BY attnum",
            [f"{ENTRIES}{ASIDE}"],
        )
    )
    cursor.execute(
        f"INSERT INTO {ENTRIES} SELECT {columns}, t.created_at"  # noqa: S608
        f" FROM {ENTRIES}{ASIDE} e JOIN {LEDGER}{ASIDE} t ON t.id = e.transaction_id"
    )
    cursor.execute(f"INSERT INTO {CALLS} SELECT * FROM {CALLS}{ASIDE}")  # noqa: S608
    for table in (LEDGER, ENTRIES, CALLS):
        # The identity sequence goes on from the old table's last id.
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL)"  # noqa: S608
            f" FROM {table}{ASIDE}",
            [table],
        )


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        # Foreign keys into the three tables (from each other, money requests, reconciliation's
        # discrepancies): none can point at a partitioned table's id alone.
        for name, referencing in _fetch(
            cursor,
            "SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
            " AND confrelid IN (%s::regclass, %s::regclass, %s::regclass)",
            [LEDGER, ENTRIES, CALLS],
        ):
            cursor.execute(f'ALTER TABLE {referencing} DROP CONSTRAINT "{name}"')
        again = [statement for table in (LEDGER, ENTRIES, CALLS) for statement in _set_aside(cursor, table)]
        months = _months(cursor)
        for table in (LEDGER, ENTRIES, CALLS):
            _partitioned(cursor, table, months)
        _move_rows(cursor)
        for statement in again:
            cursor.execute(statement)
        cursor.execute(
            f"ALTER TABLE {ENTRIES} ADD CONSTRAINT wallet_ledgerentry_transaction_fk FOREIGN KEY"
            f" (transaction_id, created_at) REFERENCES {LEDGER} (id, created_at) DEFERRABLE INITIALLY DEFERRED"
        )
        cursor.execute(
            f"ALTER TABLE {CALLS} ADD CONSTRAINT wallet_aggregatortransaction_ledger_fk FOREIGN KEY"
            f" (ledger_transaction_id, created_at) REFERENCES {LEDGER} (id, created_at) DEFERRABLE INITIALLY DEFERRED"
        )
        cursor.execute(
            f"CREATE UNIQUE INDEX wallet_aggregatortransaction_one_ledger ON {CALLS} (ledger_transaction_id, created_at)"
        )
        for table in (LEDGER, ENTRIES, CALLS):
            cursor.execute(f"DROP TABLE {table}{ASIDE}")
            cursor.execute(APPEND_ONLY.format(table=table))
        for statement in [*BALANCED, *REFERENCE_CHECK]:
            schema_editor.execute(statement, params=None)  # None: "%" in PL/pgSQL is not a placeholder


class Migration(migrations.Migration):
    dependencies = [("wallet", "0009_call_created_brin")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward)],
            state_operations=[
                migrations.AddField(
                    model_name="ledgerentry",
                    name="created_at",
                    field=models.DateTimeField(db_default=wallet.models.TransactionNow(), editable=False),
                ),
                migrations.AlterField(
                    model_name="aggregatortransaction",
                    name="created_at",
                    field=models.DateTimeField(db_default=wallet.models.TransactionNow(), editable=False),
                ),
                migrations.AlterField(
                    model_name="ledgertransaction",
                    name="created_at",
                    field=models.DateTimeField(db_default=wallet.models.TransactionNow(), editable=False),
                ),
                migrations.AlterField(
                    model_name="aggregatortransaction",
                    name="ledger_transaction",
                    field=models.OneToOneField(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="aggregator_transaction",
                        to="wallet.ledgertransaction",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="transaction",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="entries",
                        to="wallet.ledgertransaction",
                    ),
                ),
                migrations.AlterField(
                    model_name="moneyrequest",
                    name="ledger_transaction",
                    field=models.OneToOneField(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="money_request",
                        to="wallet.ledgertransaction",
                    ),
                ),
            ],
        ),
    ]

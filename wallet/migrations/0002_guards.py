"""The database's own guard over the money tables (PostgreSQL).

- The entries of a ledger transaction must sum to zero, and there must be at least two:
  checked by a DEFERRED constraint trigger, i.e. at COMMIT, once all legs are written.
- Ledger transactions, ledger entries and aggregator transaction records are append-only:
  UPDATE and DELETE raise. (TRUNCATE is an owner's privilege; production runs the app with
  a role that does not own the tables.)

Every environment runs on PostgreSQL (`make run` and `make test` included, on an embedded
server when none is configured), so the guards are everywhere the money is.
"""

from django.db import migrations

APPEND_ONLY_TABLES = ["wallet_ledgertransaction", "wallet_ledgerentry", "wallet_aggregatortransaction"]

FORWARD = [
    """
    CREATE FUNCTION wallet_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    """,
    *[
        f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();
        """
        for table in APPEND_ONLY_TABLES
    ],
    """
    CREATE FUNCTION wallet_check_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        total bigint;
        legs integer;
    BEGIN
        SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, legs
        FROM wallet_ledgerentry WHERE transaction_id = NEW.transaction_id;
        IF total <> 0 OR legs < 2 THEN
            RAISE EXCEPTION 'ledger transaction % is unbalanced: % over % entries', NEW.transaction_id, total, legs
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$;
    """,
    """
    CREATE CONSTRAINT TRIGGER wallet_ledgerentry_balanced
    AFTER INSERT ON wallet_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallet_check_transaction_balanced();
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS wallet_ledgerentry_balanced ON wallet_ledgerentry;",
    "DROP FUNCTION IF EXISTS wallet_check_transaction_balanced();",
    *[f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in APPEND_ONLY_TABLES],
    "DROP FUNCTION IF EXISTS wallet_refuse_change();",
]


def _run(statements):
    def run(apps, schema_editor):
        for statement in statements:
            schema_editor.execute(statement, params=None)  # None: "%" in PL/pgSQL is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("wallet", "0001_money")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]

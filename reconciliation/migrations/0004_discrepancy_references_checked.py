"""The database checks a discrepancy's call record and adjustment again (see 0003): a deferred
trigger (wallet migration 0010's wallet_check_reference) refuses an id that is no row there."""

from django.db import migrations

CHECKS = [
    ("our_record_id", "wallet_aggregatortransaction"),
    ("adjustment_id", "wallet_ledgertransaction"),
]

FORWARD = [
    f"""
    CREATE CONSTRAINT TRIGGER reconciliation_discrepancy_{column}_exists
    AFTER INSERT OR UPDATE OF {column} ON reconciliation_discrepancy
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallet_check_reference('{column}', '{table}')
    """
    for column, table in CHECKS
]
BACKWARD = [
    f"DROP TRIGGER IF EXISTS reconciliation_discrepancy_{column}_exists ON reconciliation_discrepancy"
    for column, _table in CHECKS
]


class Migration(migrations.Migration):
    dependencies = [
        ("reconciliation", "0003_discrepancy_references_without_fk"),
        ("wallet", "0010_monthly_partitions"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

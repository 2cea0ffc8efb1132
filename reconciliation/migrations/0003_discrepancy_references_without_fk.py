"""A discrepancy's call record and adjustment are partitioned tables' rows from wallet migration
0010 on, which no foreign key can name by id alone: the keys go first (this migration runs
before it), and migration 0004 puts the database's check back as a trigger."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reconciliation", "0002_discrepancy_money_request"),
        ("wallet", "0009_call_created_brin"),
    ]
    run_before = [("wallet", "0010_monthly_partitions")]

    operations = [
        migrations.AlterField(
            model_name="discrepancy",
            name="adjustment",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wallet.ledgertransaction",
            ),
        ),
        migrations.AlterField(
            model_name="discrepancy",
            name="our_record",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wallet.aggregatortransaction",
            ),
        ),
    ]

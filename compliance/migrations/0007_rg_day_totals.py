"""Responsible gaming's running totals: one row per player, currency and day (RgDayTotal), in
place of one per period (RgPeriodTotal: day, week and month). Weeks and months are now summed
from their days by the read (compliance/rg/totals.py). Every applied movement wrote its day's
row along with its week's and month's, so the day rows alone hold every total: they are copied,
the week and month rows dropped with the old table."""

import django.db.models.deletion
from django.db import migrations, models

COPY_DAY_ROWS = """
    INSERT INTO compliance_rgdaytotal (player_id, currency_id, day, wagered, net_loss, deposited)
    SELECT player_id, currency_id, starts_at, wagered, net_loss, deposited
    FROM compliance_rgperiodtotal WHERE period = 'day'
"""
# Back: the day rows as they were, and each week's and month's row as the sum of its days.
COPY_BACK = """
    INSERT INTO compliance_rgperiodtotal (player_id, currency_id, period, starts_at, wagered, net_loss, deposited)
    SELECT player_id, currency_id, 'day', day, wagered, net_loss, deposited FROM compliance_rgdaytotal
    UNION ALL
    SELECT player_id, currency_id, p.period, date_trunc(p.period, day AT TIME ZONE %s) AT TIME ZONE %s,
        sum(wagered), sum(net_loss), sum(deposited)
    FROM compliance_rgdaytotal CROSS JOIN (VALUES ('week'), ('month')) AS p(period)
    GROUP BY 1, 2, 3, 4
"""


def copy_back(apps, schema_editor):
    from django.conf import settings

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(COPY_BACK, [settings.RG_TIME_ZONE, settings.RG_TIME_ZONE])


class Migration(migrations.Migration):
    dependencies = [
        ("casino", "0006_player_email"),
        ("compliance", "0006_staff_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="RgDayTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "day",
                    models.DateTimeField(help_text="When the day starts (local midnight in the operator's time zone)."),
                ),
                ("wagered", models.BigIntegerField(default=0, help_text="Bets less refunded (rolled back) bets.")),
                (
                    "net_loss",
                    models.BigIntegerField(default=0, help_text="Bets less wins and refunds: negative when ahead."),
                ),
                ("deposited", models.BigIntegerField(default=0)),
                (
                    "currency",
                    models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT, to="casino.currency"
                    ),
                ),
                (
                    "player",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="casino.player",
                    ),
                ),
            ],
            options={"ordering": ["player", "currency", "-day"]},
        ),
        migrations.AddConstraint(
            model_name="rgdaytotal",
            constraint=models.UniqueConstraint(fields=("player", "currency", "day"), name="rg_day_total_unique"),
        ),
        migrations.RunSQL(COPY_DAY_ROWS, migrations.RunSQL.noop),
        migrations.RunPython(migrations.RunPython.noop, copy_back),
        migrations.DeleteModel(name="RgPeriodTotal"),
    ]

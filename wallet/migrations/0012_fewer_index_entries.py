"""Fewer index entries per bet (issue 15): the foreign keys' own indexes that no query reads go.

Each applied bet writes a ledger transaction, two legs, a call record and a round, and one entry
into every index of each. Dropped: the ledger transaction's played currency index, and Django's
`_like` twins (for LIKE on a code, which nothing does) of its currency and of the round's played
currency. Replaced by partial indexes (only the rows that name one, which bets do not write to):
the ledger transaction's created_by, approved_by and played currency, the round's played
currency, and the legs' wallet and house account (a leg names one of the two; its NULL was an
index entry too). The ledger transaction's currency and aggregator keep their indexes: deleting
a currency or an aggregator in the admin checks PROTECT through them, and would otherwise scan
the whole ledger.

The fields' db_index=False is state only: Django's own AlterField would also drop and re-add
each foreign key, which re-validates it against every row of the ledger under a lock that stops
the bets. The database part is the DROP INDEX alone (on a partitioned table it drops each
partition's index too; the CREATE INDEX of the reverse and of the partial indexes makes them on
each partition, and the months created later get them from the parent).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The indexes Django made for the foreign keys (db_index=True): (table, name, column, has a _like twin).
DROPPED = [
    ("wallet_gameround", "wallet_gameround_fx_currency_id_0fb354b5", "fx_currency_id", True),
    ("wallet_ledgerentry", "wallet_ledgerentry_house_account_id_41953ccb", "house_account_id", False),
    ("wallet_ledgerentry", "wallet_ledgerentry_wallet_id_1f2d8dce", "wallet_id", False),
    ("wallet_ledgertransaction", "wallet_ledgertransaction_approved_by_id_5f1e1622", "approved_by_id", False),
    ("wallet_ledgertransaction", "wallet_ledgertransaction_created_by_id_6e8be8e4", "created_by_id", False),
    ("wallet_ledgertransaction", "wallet_ledgertransaction_fx_currency_id_85ce5f2e", "fx_currency_id", True),
]


# Django's `_like` twin alone: the index itself stays, and with it the field's db_index.
LIKE_TWIN_ONLY = ("wallet_ledgertransaction", "wallet_ledgertransaction_currency_id_58988685", "currency_id")


def _drop_like_twin(table: str, name: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        [f'DROP INDEX "{name}_like"'],
        reverse_sql=[f'CREATE INDEX "{name}_like" ON "{table}" ("{column}" varchar_pattern_ops)'],
    )


def _drop(table: str, name: str, column: str, like: bool) -> migrations.RunSQL:
    names = [name, f"{name}_like"] if like else [name]
    create = [f'CREATE INDEX "{name}" ON "{table}" ("{column}")']
    if like:
        create.append(f'CREATE INDEX "{name}_like" ON "{table}" ("{column}" varchar_pattern_ops)')
    return migrations.RunSQL([f'DROP INDEX "{n}"' for n in names], reverse_sql=create)


class Migration(migrations.Migration):
    dependencies = [
        ("casino", "0006_player_email"),
        ("wallet", "0011_ledger_archive"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[*(_drop(*dropped) for dropped in DROPPED), _drop_like_twin(*LIKE_TWIN_ONLY)],
            state_operations=[
                migrations.AlterField(
                    model_name="gameround",
                    name="fx_currency",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="casino.currency",
                        verbose_name="played currency",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="house_account",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="wallet.houseaccount",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="wallet",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="wallet.wallet",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgertransaction",
                    name="approved_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgertransaction",
                    name="created_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgertransaction",
                    name="fx_currency",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="casino.currency",
                        verbose_name="played currency",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="gameround",
            index=models.Index(
                condition=models.Q(("fx_currency__isnull", False)), fields=["fx_currency"], name="round_fx_currency"
            ),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(condition=models.Q(("wallet__isnull", False)), fields=["wallet"], name="entry_wallet"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("house_account__isnull", False)),
                fields=["house_account"],
                name="entry_house_account",
            ),
        ),
        migrations.AddIndex(
            model_name="ledgertransaction",
            index=models.Index(
                condition=models.Q(("created_by__isnull", False)), fields=["created_by"], name="ledger_created_by"
            ),
        ),
        migrations.AddIndex(
            model_name="ledgertransaction",
            index=models.Index(
                condition=models.Q(("approved_by__isnull", False)), fields=["approved_by"], name="ledger_approved_by"
            ),
        ),
        migrations.AddIndex(
            model_name="ledgertransaction",
            index=models.Index(
                condition=models.Q(("fx_currency__isnull", False)), fields=["fx_currency"], name="ledger_fx_currency"
            ),
        ),
    ]

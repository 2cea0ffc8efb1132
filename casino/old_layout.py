"""Refuse, with a clear message, to migrate a database made before the apps were layered.

Until November 2026 aggregators and game sessions lived in the `games` app and the wallet and
games apps referred to each other. The migrations were then written afresh for the layered apps
(casino -> wallet -> games), so a database made before cannot be migrated in place: its tables
exist under other names and its history names migrations that no longer exist. Rather than fail
half-way with "relation already exists", the first new migration stops at once and says what to do.
"""

OLD_LAYOUT_MIGRATION = ("games", "0002_initial")

MESSAGE = (
    "This database was created by an older layout of the back-office (before the layered apps). "
    "It cannot be migrated in place: start afresh. For the local database of `make run`: stop it and "
    "delete its data folder (`rm -rf var/`). For another database: create a new, empty one "
    "and point DATABASE_URL at it."
)


def refuse_old_layout(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute("SELECT 1 FROM django_migrations WHERE app = %s AND name = %s", OLD_LAYOUT_MIGRATION)
        if cursor.fetchone():
            raise RuntimeError(MESSAGE)

"""A database made before the apps were layered is told to start afresh, not half-migrated."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from casino.old_layout import MESSAGE

ROOT = Path(__file__).resolve().parents[2]


def on_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture
def old_database():
    """A scratch database whose migration history is the old layout's (games.0002_initial)."""
    url, name = os.environ["DATABASE_URL"], f"casino_old_layout_{os.getpid()}"
    with psycopg.connect(on_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(on_database(url, name), autocommit=True) as old:
        old.execute(
            "CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255) NOT NULL,"
            " name varchar(255) NOT NULL, applied timestamptz NOT NULL)"
        )
        old.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES"
            " ('casino', '0001_initial', now()), ('games', '0001_initial', now()), ('games', '0002_initial', now())"
        )
    yield on_database(url, name)
    with psycopg.connect(on_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrating_a_database_of_the_old_layout_stops_at_once_saying_to_start_afresh(old_database):
    migrated = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": old_database},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert migrated.returncode != 0
    assert MESSAGE in migrated.stderr
    with psycopg.connect(old_database) as old:
        tables = old.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    # Django's own apps may have migrated first; nothing of ours was half-created.
    assert not [t for (t,) in tables if t.split("_")[0] in {"casino", "wallet", "games", "compliance"}]

"""Migration 0010 partitions a ledger that already holds rows: on a scratch database migrated to
the layout before it (wallet 0009), with ledger rows and call records of three months, `migrate`
moves every row into its month's partition and the links, keys and ids carry on.

The scratch database is made and dropped here (its name is the test database's plus
"_premonthly"); `manage.py` runs in a subprocess against it, as an operator would run it."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]

# The layout of wallet 0009 (never changes: it is history). Three ledger transactions a month
# apart, two legs each, each with its call record.
SEED = """
INSERT INTO casino_currency (code, name, exponent, is_crypto) VALUES ('EUR', 'Euro', 2, false)
    ON CONFLICT DO NOTHING;
INSERT INTO casino_aggregator (code, name, protocol, is_active, key_id, signing_secret, previous_signing_secret,
    allowed_skew_seconds, public_key_pem, private_key_pem, api_base_url, max_win_multiple, created_at)
    VALUES ('agg', 'Agg', 'native', true, 'k1', 's', '', 30, '', '', '', 1000, now());
INSERT INTO casino_player (external_id, status, country, kyc_status, created_at)
    VALUES ('p1', 'active', 'MT', 'none', now());
INSERT INTO wallet_wallet (player_id, currency_id, mode, balance, created_at)
    SELECT id, 'EUR', 'real', 300, now() FROM casino_player;
INSERT INTO casino_gamesession (token, game_code, mode, created_at, expires_at, aggregator_id, currency_id, player_id)
    SELECT 't1', 'g', 'real', now(), now(), a.id, 'EUR', p.id FROM casino_aggregator a, casino_player p;
INSERT INTO wallet_houseaccount (kind, mode, aggregator_id, currency_id) VALUES ('cashier', 'real', NULL, 'EUR');
INSERT INTO wallet_ledgertransaction (kind, mode, reference, memo, created_at, currency_id, wallet_id)
    SELECT 'deposit', 'real', 'r' || n, '', now() - (n || ' months')::interval, 'EUR', (SELECT id FROM wallet_wallet)
    FROM generate_series(2, 0, -1) n;
INSERT INTO wallet_ledgerentry (amount, balance_after, house_account_id, transaction_id, wallet_id)
    SELECT 100, 100 * (3 - substr(t.reference, 2)::int), NULL, t.id, t.wallet_id FROM wallet_ledgertransaction t
    UNION ALL SELECT -100, NULL, (SELECT id FROM wallet_houseaccount), t.id, NULL FROM wallet_ledgertransaction t;
INSERT INTO wallet_aggregatortransaction (external_id, kind, mode, amount, game_code, spin_type, round_closed,
    reference_id, request, outcome, result_code, balance, message, created_at, aggregator_id, session_id,
    ledger_transaction_id, wallet_id)
    SELECT 'tx-' || t.reference, 'bet', 'real', 100, 'g', 'cash', false, '', '{}', 'applied', 'OK', 0, '',
        t.created_at, (SELECT id FROM casino_aggregator), (SELECT id FROM casino_gamesession), t.id, t.wallet_id
    FROM wallet_ledgertransaction t;
"""


@pytest.fixture
def scratch_url():
    name = f"{connection.settings_dict['NAME']}_premonthly"
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url: str, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py, with our arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_migration_0010_moves_existing_rows_into_their_months(scratch_url):
    for app, target in (("auth", None), ("wallet", "0009"), ("reconciliation", "0002")):
        manage(scratch_url, "migrate", app, *([target] if target else []), "--verbosity", "0")
    with psycopg.connect(scratch_url, autocommit=True) as db:
        db.execute(SEED)
        before = db.execute("SELECT max(id) FROM wallet_ledgerentry").fetchone()[0]

    manage(scratch_url, "migrate", "--verbosity", "0")

    with psycopg.connect(scratch_url, autocommit=True) as db:
        placed = db.execute(
            "SELECT e.tableoid::regclass::text, t.tableoid::regclass::text, c.tableoid::regclass::text"
            " FROM wallet_ledgerentry e JOIN wallet_ledgertransaction t ON t.id = e.transaction_id"
            " AND t.created_at = e.created_at"
            " JOIN wallet_aggregatortransaction c ON c.ledger_transaction_id = t.id ORDER BY e.id"
        ).fetchall()
        months = {entry.rsplit("_", 2)[-2] + "-" + entry.rsplit("_", 1)[-1] for entry, _, _ in placed}
        parents = {name for row in placed for name in row if not name[-1].isdigit()}
        next_id = db.execute("SELECT nextval(pg_get_serial_sequence('wallet_ledgerentry', 'id'))").fetchone()[0]
    assert len(placed) == 6  # every entry, joined to its transaction and call record
    assert len(months) == 3, placed  # each in its own month's partition
    assert not parents  # none in a DEFAULT partition
    for entry, ledger, record in placed:
        assert entry.rsplit("_", 2)[-2:] == ledger.rsplit("_", 2)[-2:] == record.rsplit("_", 2)[-2:]
    assert next_id == before + 1  # the ids go on from the old table's
    assert "ledger OK" in manage(scratch_url, "check_ledger")

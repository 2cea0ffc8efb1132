"""`make run` with nothing configured runs on SQLite: the money path must work there too.

The suite itself runs on PostgreSQL, so this drives the ops commands and signed wallet calls
in a subprocess against a fresh SQLite file.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLAY = """
import json, time
from django.test import Client
from casino.signing import native_signature
client, token = Client(), "{token}"
def post(endpoint, **fields):
    body = json.dumps({{"player_id": "p-sqlite", "session_token": token, "currency": "EUR", **fields}}).encode()
    ts = str(int(time.time()))
    headers = {{"X-Aggregator-Key": "k-sqlite", "X-Timestamp": ts, "X-Signature": native_signature("s", ts, body)}}
    response = client.post(f"/api/v1/wallet/{{endpoint}}", body, content_type="application/json", headers=headers)
    print(endpoint, response.status_code, response.json().get("code", "OK"), response.json()["balance"])
post("bet", transaction_id="b1", round_id="r1", game_id="g", amount=300)
post("bet", transaction_id="b1", round_id="r1", game_id="g", amount=300)
post("win", transaction_id="w1", round_id="r1", game_id="g", amount=500)
post("bet", transaction_id="b2", round_id="r2", game_id="g", amount=200)
post("rollback", transaction_id="rb2", rollback_transaction_id="b2")
post("bet", transaction_id="b3", round_id="r3", game_id="g", amount=999999)
"""


def manage(*args: str, env: dict) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_money_path_works_on_the_embedded_sqlite_database(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}", "REDIS_URL": ""}
    manage("migrate", "--noinput", env=env)
    manage("create_player", "p-sqlite", "--currency", "EUR", "--deposit", "1000", env=env)
    manage("create_aggregator", "sqlite-agg", "--signing-secret", "s", "--key-id", "k-sqlite", env=env)
    token = manage(
        "open_session", "p-sqlite", "--aggregator", "sqlite-agg", "--game", "g", "--currency", "EUR", env=env
    )

    played = manage("shell", "--no-imports", "-c", PLAY.format(token=token), env=env).splitlines()

    assert played == [
        "bet 200 OK 700",
        "bet 200 OK 700",
        "win 200 OK 1200",
        "bet 200 OK 1000",
        "rollback 200 OK 1200",
        "bet 402 INSUFFICIENT_FUNDS 1200",
    ]
    assert manage("check_ledger", env=env) == "ledger OK"

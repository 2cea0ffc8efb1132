"""Shared fixtures: an aggregator speaking the native protocol, a funded player, a session,
and `native` — a client that signs requests exactly as an aggregator would."""

import json
import os
import time
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.test import Client

from casino.models import Aggregator, GameSession, Mode, Player
from casino.signing import native_signature
from games.services import aggregator_create, session_open
from wallet.models import Wallet
from wallet.services import wallet_deposit, wallet_open

SECRET = "test-signing-secret"
KEY_ID = "test-key"
# The front end's bearer key as configured (make run generates one into var/local.env).
FRONTEND_KEY = settings.FRONTEND_API_KEYS[0]


@pytest.fixture
def redis_url() -> str:
    """REDIS_URL, for a test about Redis itself. Where no Redis answers (a machine with only
    Python) the test is skipped, the reason shown in pytest's summary; under CI (CI=true),
    where Redis is always there, a missing one fails the test instead."""
    url = settings.REDIS_URL
    try:
        if url and redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping():
            return url
    except redis.RedisError:
        pass
    reason = f"needs Redis, and none answers at {url or 'REDIS_URL (unset)'}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI always has Redis")
    pytest.skip(reason)


@pytest.fixture
def aggregator(db) -> Aggregator:
    return aggregator_create(code="acme", signing_secret=SECRET, key_id=KEY_ID)


def make_player(external_id: str = "player-1", *, currency: str = "EUR", deposit: int = 10_000) -> Player:
    player = Player.objects.create(external_id=external_id, country="MT")
    wallet = wallet_open(player=player, currency=currency)
    if deposit:
        wallet_deposit(wallet_id=wallet.pk, amount=deposit, memo="test funding")
    return player


@pytest.fixture
def player(db) -> Player:
    return make_player()


@pytest.fixture
def session(player, aggregator) -> GameSession:
    return session_open(player=player, aggregator=aggregator, game_code="book-of-tests", currency="EUR")


def balance_of(player: Player, currency: str = "EUR", mode: str = Mode.REAL) -> int:
    return Wallet.objects.get(player=player, currency_id=currency, mode=mode).balance


def database_url(name: str) -> str:
    """A URL for database `name` on the PostgreSQL server the tests run on, for a process of its
    own (manage.py) or a second connection: over TCP, or on an embedded server's Unix socket (the
    folder that `make test` names in DATABASE_URL's options, not in HOST)."""
    from django.db import connection

    params = connection.get_connection_params()  # HOST, PORT, USER, PASSWORD and the options' host
    login = quote(params.get("user") or "", safe="")
    if params.get("password"):
        login += ":" + quote(params["password"], safe="")
    host = params.get("host") or ""
    if host.startswith("/"):
        return f"postgres://{login}@/{name}?host={quote(host)}"
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgres://{login}@{host}{port}/{name}"


@dataclass
class NativeClient:
    """Signs like an aggregator: X-Signature = hex HMAC-SHA256(secret, "{timestamp}.{body}")."""

    client: Client
    key_id: str = KEY_ID
    secret: str = SECRET

    def post(
        self,
        endpoint: str,
        body: dict | bytes,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict | None = None,
    ):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signed = {
            "X-Aggregator-Key": self.key_id,
            "X-Timestamp": ts,
            "X-Signature": native_signature(secret or self.secret, ts, raw),
        }
        signed.update(headers or {})
        return self.client.post(f"/api/v1/wallet/{endpoint}", raw, content_type="application/json", headers=signed)


@pytest.fixture
def native(client) -> NativeClient:
    return NativeClient(client)


@pytest.fixture
def call(session):
    """Request bodies for the session: call("bet", transaction_id=..., amount=...)."""

    def build(kind: str, **fields) -> dict:
        body = {"player_id": session.player.external_id, "session_token": session.token, "currency": "EUR"}
        if kind in ("bet", "win"):
            body.update(round_id="round-1", game_id="book-of-tests")
        body.update(fields)
        return body

    return build

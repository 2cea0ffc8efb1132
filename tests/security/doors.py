"""Every authenticated door of the back-office, and the ways to knock on it with a bad credential.

A `Scheme` is how one API authenticates: how a genuine request is signed, which headers it
needs, which header holds the secret part, and what a refusal and an acceptance look like. An
`Endpoint` is one URL behind a scheme, with the body of a request that would succeed (and, on
a money endpoint, move money) if it got through. A new API joins every test in
tests/security/test_signatures.py with one line in ENDPOINTS, e.g.

    Endpoint("settlement webhook", NATIVE, "/api/v1/settlement/events", settlement_batch, writes=True),
"""

import functools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from casino.models import GameSession, Player
from casino.signing import native_signature, rsa_sign
from games.models import Game
from tests.conftest import KEY_ID, SECRET

HUB88_CODE = "hub88-sec"
FRONTEND_KEY = "frontend-test-key-0123456789"
ANOTHER_FRONTEND_KEY = "frontend-test-key-9876543210"
ANOTHER_SECRET = "another-signing-secret"
# Hub88 signs its calls with its private key and we verify them with its public key; the
# attacker has a key pair of their own.
HUB88_KEY = "hub88"
ATTACKER_KEY = "attacker"


@functools.cache
def rsa_private_pem(name: str) -> str:
    """A fresh 2048-bit RSA key per name, made once per test run: the tests own their keys."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode("ascii")


def rsa_public_pem(name: str) -> str:
    private = serialization.load_pem_private_key(rsa_private_pem(name).encode("ascii"), password=None)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode("ascii")


@dataclass
class World:
    client: Client
    player: Player
    native_session: GameSession
    hub88_session: GameSession
    game: Game
    native_bet_id: str  # a bet standing in native round r-1
    hub88_bet_uuid: str  # a bet standing in Hub88 round r-1


# --- Schemes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    name: str
    sign: Callable[[bytes], dict[str, str]]  # the headers of a genuine request with this body
    sign_with_another_key: Callable[[bytes], dict[str, str]]
    required_headers: tuple[str, ...]
    secret_header: str  # the header whose value only the rightful caller can make
    assert_refused: Callable[[object], None]
    assert_accepted: Callable[[object], None]


def native_sign(raw: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Aggregator-Key": KEY_ID, "X-Timestamp": ts, "X-Signature": native_signature(secret, ts, raw)}


def native_refused(response) -> None:
    assert response.status_code == 401, response.content
    answer = response.json()
    assert (answer["status"], answer["code"]) == ("ERROR", "INVALID_SIGNATURE")
    assert "balance" not in answer  # a stranger learns nothing of the wallet


def native_accepted(response) -> None:
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "OK"


def hub88_sign(raw: bytes, *, key: str = HUB88_KEY) -> dict[str, str]:
    return {"X-Hub88-Signature": rsa_sign(rsa_private_pem(key), raw)}


def hub88_refused(response) -> None:
    assert response.status_code == 200, response.content  # Hub88: always 200, the result in `status`
    answer = response.json()
    assert answer["status"] == "RS_ERROR_INVALID_SIGNATURE"
    assert "balance" not in answer and "country" not in answer


def hub88_accepted(response) -> None:
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "RS_OK", response.content


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def frontend_refused(response) -> None:
    assert response.status_code in (401, 403), response.content
    answer = response.json()
    assert answer["status"] == "ERROR"
    assert "games" not in answer and "launch_url" not in answer


def frontend_accepted(response) -> None:
    assert response.status_code in (200, 201), response.content


NATIVE = Scheme(
    "native",
    sign=native_sign,
    sign_with_another_key=functools.partial(native_sign, secret=ANOTHER_SECRET),
    required_headers=("X-Aggregator-Key", "X-Timestamp", "X-Signature"),
    secret_header="X-Signature",
    assert_refused=native_refused,
    assert_accepted=native_accepted,
)
HUB88 = Scheme(
    "hub88",
    sign=hub88_sign,
    sign_with_another_key=functools.partial(hub88_sign, key=ATTACKER_KEY),
    required_headers=("X-Hub88-Signature",),
    secret_header="X-Hub88-Signature",
    assert_refused=hub88_refused,
    assert_accepted=hub88_accepted,
)
FRONTEND = Scheme(
    "front end",
    sign=lambda raw: bearer(FRONTEND_KEY),
    sign_with_another_key=lambda raw: bearer(ANOTHER_FRONTEND_KEY),
    required_headers=("Authorization",),
    secret_header="Authorization",  # "Bearer <key>": the key is its end, where the changes go
    assert_refused=frontend_refused,
    assert_accepted=frontend_accepted,
)


# --- Forgeries --------------------------------------------------------------------------------


def _other_char(char: str) -> str:
    return "1" if char == "0" else "0"


# What an attacker (or a sloppy comparison) gets wrong with the secret part: each is applied to
# the genuine value, so only its very end differs and a comparison of any prefix would pass.
MUTATIONS: dict[str, Callable[[str], str]] = {
    "its last character changed": lambda value: value[:-1] + _other_char(value[-1]),
    "cut short by one character": lambda value: value[:-1],
    "with a character appended": lambda value: value + "0",
}
ANOTHER_KEY = "made with another key"


def forgeries(scheme: Scheme) -> list[str]:
    return [f"without {header}" for header in scheme.required_headers] + [ANOTHER_KEY, *MUTATIONS]


def forged_headers(scheme: Scheme, forgery: str, raw: bytes) -> dict[str, str]:
    if forgery == ANOTHER_KEY:
        return scheme.sign_with_another_key(raw)
    headers = scheme.sign(raw)
    if forgery.startswith("without "):
        del headers[forgery.removeprefix("without ")]
    else:
        headers[scheme.secret_header] = MUTATIONS[forgery](headers[scheme.secret_header])
    return headers


# --- Endpoints --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    scheme: Scheme
    path: str
    body: Callable[[World], dict] | None  # None: a GET
    writes: bool = False  # the genuine request records something (money moved, a session opened)

    def raw(self, world: World) -> bytes:
        return b"" if self.body is None else json.dumps(self.body(world)).encode()

    def send(self, world: World, raw: bytes, headers: dict[str, str]):
        if self.body is None:
            return world.client.get(self.path, headers=headers)
        return world.client.post(self.path, raw, content_type="application/json", headers=headers)


def post_signed(world: World, scheme: Scheme, path: str, body: dict):
    """A genuine request, as the rightful caller sends it."""
    raw = json.dumps(body).encode()
    return world.client.post(path, raw, content_type="application/json", headers=scheme.sign(raw))


def native_fields(world: World, **fields) -> dict:
    body = {"player_id": world.player.external_id, "session_token": world.native_session.token, "currency": "EUR"}
    return body | fields


def native_money(world: World, **fields) -> dict:
    return native_fields(world, round_id="r-1", game_id="book-of-tests", **fields)


def hub88_fields(world: World, **fields) -> dict:
    body = {"user": world.player.external_id, "request_uuid": str(uuid.uuid4()), "token": world.hub88_session.token}
    return body | {"game_code": "clt_x"} | fields


def hub88_transaction(world: World, **fields) -> dict:
    return hub88_fields(world, transaction_uuid=str(uuid.uuid4()), round="r-1", round_closed=False) | fields


def hub88_money(world: World, **fields) -> dict:
    return hub88_transaction(world, currency="EUR", amount=100_000) | fields


def launch_body(world: World) -> dict:
    return {
        "player_id": world.player.external_id,
        "game_id": str(world.game.pk),
        "currency": "EUR",
        "mode": "real",
        "country": "MT",
        "language": "en",
    }


def cool_off_body(world: World) -> dict:
    return {"days": 1}


def self_exclusion_body(world: World) -> dict:
    return {"term": "P6M"}


def hub88_path(name: str) -> str:
    return f"/api/hub88/{HUB88_CODE}/{name}"


def native_bet(world: World) -> dict:
    return native_money(world, transaction_id="bet-1", amount=100)


def native_win(world: World) -> dict:
    return native_money(world, transaction_id="win-1", amount=500)


def native_rollback(world: World) -> dict:
    return native_fields(world, transaction_id="rb-1", rollback_transaction_id=world.native_bet_id)


def settlement_batch(world: World) -> dict:
    event = {
        "event_id": "ev-1",
        "type": "round_settled",
        "round_id": "r-1",
        "player_id": world.player.external_id,
        "currency": "EUR",
        "transactions": [{"id": "bet-1", "kind": "bet", "amount": 100}],
        "bet_total": 100,
        "win_total": 0,
        "settled_at": "2026-11-29T10:00:00Z",
    }
    return {"batch_id": f"batch-{uuid.uuid4()}", "events": [event]}


def hub88_user(world: World) -> dict:
    return {"user": world.player.external_id, "request_uuid": str(uuid.uuid4())}


def hub88_win(world: World) -> dict:
    return hub88_money(world, amount=500_000, reference_transaction_uuid=world.hub88_bet_uuid)


def hub88_rollback(world: World) -> dict:
    return hub88_transaction(world, reference_transaction_uuid=world.hub88_bet_uuid)


ENDPOINTS = [
    Endpoint("native balance", NATIVE, "/api/v1/wallet/balance", native_fields),
    Endpoint("native bet", NATIVE, "/api/v1/wallet/bet", native_bet, writes=True),
    Endpoint("native win", NATIVE, "/api/v1/wallet/win", native_win, writes=True),
    Endpoint("native rollback", NATIVE, "/api/v1/wallet/rollback", native_rollback, writes=True),
    Endpoint("settlement webhook", NATIVE, "/api/v1/settlement/events", settlement_batch, writes=True),
    Endpoint("hub88 user/info", HUB88, hub88_path("user/info"), hub88_user),
    Endpoint("hub88 user/balance", HUB88, hub88_path("user/balance"), hub88_fields),
    Endpoint("hub88 bet", HUB88, hub88_path("transaction/bet"), hub88_money, writes=True),
    Endpoint("hub88 win", HUB88, hub88_path("transaction/win"), hub88_win, writes=True),
    Endpoint("hub88 rollback", HUB88, hub88_path("transaction/rollback"), hub88_rollback, writes=True),
    Endpoint("front-end games list", FRONTEND, "/api/v1/games", None),
    Endpoint("front-end launch", FRONTEND, "/api/v1/launch", launch_body, writes=True),
    # The root conftest's player is "player-1".
    Endpoint("front-end cool-off read", FRONTEND, "/api/v1/players/player-1/rg/cool-off", None),
    Endpoint("front-end cool-off", FRONTEND, "/api/v1/players/player-1/rg/cool-off", cool_off_body, writes=True),
    Endpoint(
        "front-end self-exclusion",
        FRONTEND,
        "/api/v1/players/player-1/rg/self-exclusion",
        self_exclusion_body,
        writes=True,
    ),
]

"""Hostile bodies, validly signed, against both wallet APIs and the front end: deep nesting, huge
numbers, wrong types, keys sent twice, odd encodings, huge strings, control characters.

Each example breaks a well-formed request in one way that makes it malformed, signs the bytes as
the aggregator would, and sends them. Never a 500 (Hub88: always HTTP 200); the request is
refused; no balance and no ledger row moves; and `check_ledger` stays clean.
"""

import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casino.models import Aggregator, GameSession
from casino.signing import native_signature, rsa_sign
from games.services import aggregator_create, session_open
from tests.conftest import KEY_ID, SECRET, make_player
from tests.reliability.support import assert_ledger_healthy
from wallet.models import LedgerEntry, LedgerTransaction, Wallet

HOSTILE = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
FRONTEND = {"Authorization": "Bearer dev-frontend-key"}

# --- Ways to break a body ---------------------------------------------------------------------
# A mutation takes the well-formed body (a dict) and the names of fields whose breaking makes the
# request malformed, and returns the raw bytes to send.


def _dump(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False)


def _with_raw(body: dict, field: str, raw_value: str) -> bytes:
    marker = "\ue000marker\ue000"
    return _dump(body | {field: marker}).replace(json.dumps(marker, ensure_ascii=False), raw_value).encode()


@st.composite
def deep_nesting(draw, body, fields):
    field, levels = draw(st.sampled_from(fields)), draw(st.integers(min_value=33, max_value=3_000))
    opener = draw(st.sampled_from(["[", '{"a":']))
    closer = "]" if opener == "[" else "}"
    return _with_raw(body, field, opener * levels + "1" + closer * levels)


@st.composite
def huge_number(draw, body, fields):
    field = draw(st.sampled_from(fields))
    literal = draw(
        st.one_of(
            st.integers(min_value=19, max_value=6_000).map(lambda digits: "9" * digits),
            st.sampled_from(["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1E999999999"]),
        )
    )
    return _with_raw(body, field, literal)


@st.composite
def wrong_type(draw, body, fields):
    field = draw(st.sampled_from(fields))
    current = body[field]
    value = draw(
        st.one_of(st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
        | st.sampled_from([None, True, 1.5, "10", 12345]).filter(lambda v: type(v) is not type(current))
    )
    return _dump(body | {field: value}).encode()


@st.composite
def key_twice(draw, body, fields):
    field = draw(st.sampled_from(fields))
    again = draw(st.sampled_from([body[field], 1, "other", 5_000]))
    return (_dump(body)[:-1] + f", {json.dumps(field)}: {json.dumps(again)}}}").encode()


@st.composite
def odd_encoding(draw, body, fields):
    # The whole body is broken, whatever field: give it a character outside ASCII to encode.
    text = _dump(body | {"note": "é"})
    encoding = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "bom", "latin-1", "cut"]))
    if encoding == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if encoding == "cut":  # a two-byte character cut in half
        return text.encode().replace("é".encode(), b"\xc3")
    return text.encode(encoding)


@st.composite
def huge_string(draw, body, fields):
    field = draw(st.sampled_from(fields))
    # Longer than any field takes; 700,000 four-byte characters are more than Django reads at
    # all (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).
    size = draw(st.sampled_from([300, 70_000, 700_000]))
    return _dump(body | {field: draw(st.sampled_from(["a", "é", "\U0001f3b0"])) * size}).encode()


@st.composite
def bad_characters(draw, body, fields):
    field = draw(st.sampled_from(fields))
    raw = draw(st.sampled_from(['"a\\u0000b"', '"\\ud800"', '"a\\udfff"', '"\\u0000"']))
    return _with_raw(body, field, raw)


def hostile(body: dict, **fields: list[str]) -> st.SearchStrategy[bytes]:
    """Bodies broken in one way each, in a field whose breaking makes the request malformed."""
    return st.one_of(
        deep_nesting(body, fields["any"]),
        huge_number(body, fields["numbers"]),
        wrong_type(body, fields["types"]),
        key_twice(body, fields["any"]),
        odd_encoding(body, fields["any"]),
        huge_string(body, fields["strings"]),
        bad_characters(body, fields["strings"]),
    )


# --- What must not move -----------------------------------------------------------------------


def money_snapshot() -> tuple:
    balances = tuple(Wallet.objects.order_by("pk").values_list("pk", "balance"))
    return balances, LedgerTransaction.objects.count(), LedgerEntry.objects.count()


@pytest.fixture
def funded_session(aggregator) -> GameSession:
    player = make_player("hostile-1", deposit=10**9)
    return session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR", ttl_seconds=3600)


# --- Native -------------------------------------------------------------------------------------

NATIVE_STRINGS = ["player_id", "session_token", "currency", "transaction_id", "round_id", "game_id"]


def native_post(client: Client, endpoint: str, raw: bytes):
    timestamp = str(int(time.time()))
    headers = {
        "X-Aggregator-Key": KEY_ID,
        "X-Timestamp": timestamp,
        "X-Signature": native_signature(SECRET, timestamp, raw),
    }
    return client.post(f"/api/v1/wallet/{endpoint}", raw, content_type="application/json", headers=headers)


@pytest.mark.parametrize("endpoint", ["bet", "win", "rollback"])
@HOSTILE
@given(data=st.data())
def test_no_hostile_native_body_is_a_server_error_or_moves_money(funded_session, endpoint, data):
    body = {
        "player_id": "hostile-1",
        "session_token": funded_session.token,
        "currency": "EUR",
        "transaction_id": f"t-{data.draw(st.uuids())}",
        "round_id": "r-1",
        "game_id": "g",
        "amount": 100,
        "spin_type": "free",
        "round_closed": False,
    }
    if endpoint == "rollback":
        body["rollback_transaction_id"] = "b-1"
    fields = [*NATIVE_STRINGS, "amount", "round_closed"]
    raw = data.draw(hostile(body, any=fields, numbers=fields, types=fields, strings=NATIVE_STRINGS))
    before = money_snapshot()

    response = native_post(Client(raise_request_exception=False), endpoint, raw)

    assert response.status_code == 400, (raw[:300], response.content)
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert money_snapshot() == before
    assert_ledger_healthy()


# --- Hub88 --------------------------------------------------------------------------------------

HUB88_STRINGS = ["user", "token", "currency", "transaction_uuid", "request_uuid"]


@pytest.fixture(scope="module")
def hub88_keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture
def hub88_session(db, hub88_keys) -> GameSession:
    private, public = hub88_keys
    aggregator = aggregator_create(
        code="hub88-fuzz", protocol=Aggregator.Protocol.HUB88, public_key_pem=public, private_key_pem=private
    )
    player = make_player("hostile-88", deposit=10**9)
    return session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR", ttl_seconds=3600)


@pytest.mark.parametrize("endpoint", ["transaction/bet", "transaction/win", "transaction/rollback"])
@HOSTILE
@given(data=st.data())
def test_no_hostile_hub88_body_is_a_server_error_or_moves_money(hub88_session, hub88_keys, endpoint, data):
    body = {
        "user": "hostile-88",
        "token": hub88_session.token,
        "currency": "EUR",
        "transaction_uuid": str(data.draw(st.uuids())),
        "request_uuid": "req-1",
        "round": "r-1",
        "game_code": "g",
        "amount": 100_000,
        "is_free": True,
    }
    # Fields Hub88 requires, in a type only: breaking an optional or unknown one (a rollback
    # has no amount) may leave a valid request.
    required = ["user", "token", "transaction_uuid", "request_uuid"]
    if endpoint == "transaction/rollback":
        body["reference_transaction_uuid"] = "b-1"
        required.append("reference_transaction_uuid")
    else:
        required += ["currency", "amount"]
    raw = data.draw(
        hostile(body, any=required, numbers=required, types=required, strings=["token", "transaction_uuid"])
    )
    before = money_snapshot()

    response = Client(raise_request_exception=False).post(
        f"/api/hub88/hub88-fuzz/{endpoint}",
        raw,
        content_type="application/json",
        headers={"X-Hub88-Signature": rsa_sign(hub88_keys[0], raw)},
    )

    assert response.status_code == 200, (raw[:300], response.content)
    assert response.json()["status"] in ("RS_ERROR_WRONG_SYNTAX", "RS_ERROR_WRONG_TYPES"), raw[:300]
    assert money_snapshot() == before
    assert_ledger_healthy()


# --- Front end ----------------------------------------------------------------------------------


@HOSTILE
@given(data=st.data())
def test_no_hostile_launch_body_is_a_server_error_or_opens_a_session(db, data):
    body = {
        "player_id": "hostile-fe",
        "game_id": str(data.draw(st.uuids())),
        "currency": "EUR",
        "mode": "real",
        "country": "MT",
        "language": "en",
    }
    fields = list(body)
    raw = data.draw(hostile(body, any=fields, numbers=fields, types=fields, strings=["player_id", "currency"]))

    response = Client(raise_request_exception=False).post(
        "/api/v1/launch", raw, content_type="application/json", headers=FRONTEND
    )

    # (A game id may be an integer for DRF's UUIDField; no game exists here, so that is a 404.)
    assert response.status_code in (400, 404), (raw[:300], response.content)
    assert not GameSession.objects.exists()


@HOSTILE
@given(
    query=st.dictionaries(st.sampled_from(["aggregator", "category", "provider", "demo", "country", "x"]), st.text())
)
def test_no_hostile_games_query_is_a_server_error(db, query):
    response = Client(raise_request_exception=False).get("/api/v1/games", query, headers=FRONTEND)

    assert response.status_code in (200, 400), (query, response.content)

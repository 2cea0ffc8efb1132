"""Aggregator secrets are stored encrypted (FIELD_ENCRYPTION_KEYS) and survive a key rotation."""

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from casino import crypto
from casino.crypto import UndecryptableSecret
from casino.models import Aggregator
from casino.signing import rsa_sign, rsa_signature_matches
from games.services import aggregator_create, session_open
from tests.admin.test_admin import NO_RISK_LIMIT_ROWS
from tests.conftest import KEY_ID, SECRET, NativeClient
from tests.hub88.conftest import PRIVATE_PEM, PUBLIC_PEM
from wallet.api.auth import forget_aggregators

ROOT = Path(__file__).resolve().parents[2]
SECRET_COLUMNS = ["signing_secret", "previous_signing_secret", "private_key_pem"]
KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))


def stored(aggregator: Aggregator) -> dict[str, str]:
    """The secret columns as the database holds them (raw SQL: no field decrypts them)."""
    table = Aggregator._meta.db_table
    columns = [Aggregator._meta.get_field(name).column for name in SECRET_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [aggregator.pk])  # noqa: S608
        return dict(zip(SECRET_COLUMNS, cursor.fetchone(), strict=True))


def native_aggregator() -> Aggregator:
    aggregator = aggregator_create(code="acme", signing_secret=SECRET, key_id=KEY_ID)
    aggregator.previous_signing_secret = "previous-secret"
    aggregator.save()
    return aggregator


def hub88_aggregator() -> Aggregator:
    return aggregator_create(
        code="hub88", protocol=Aggregator.Protocol.HUB88, public_key_pem=PUBLIC_PEM, private_key_pem=PRIVATE_PEM
    )


def rotate() -> str:
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    return out.getvalue().strip()


def native_balance(client, player) -> int:
    session = session_open(player=player, aggregator=Aggregator.objects.get(code="acme"), game_code="g", currency="EUR")
    body = {"player_id": player.external_id, "session_token": session.token, "currency": "EUR"}
    return NativeClient(client).post("balance", body).status_code


def hub88_balance_answer(client, player):
    session = session_open(
        player=player, aggregator=Aggregator.objects.get(code="hub88"), game_code="g", currency="EUR"
    )
    body = json.dumps(
        {"user": player.external_id, "token": session.token, "game_code": "g", "request_uuid": str(uuid.uuid4())}
    ).encode()
    return client.post(
        "/api/hub88/hub88/user/balance",
        body,
        content_type="application/json",
        headers={"X-Hub88-Signature": rsa_sign(PRIVATE_PEM, body)},
    )


# --- At rest ----------------------------------------------------------------------------------


def test_the_database_holds_tokens_not_the_secrets(db):
    native, hub88 = native_aggregator(), hub88_aggregator()

    columns = {
        **{f"native {k}": v for k, v in stored(native).items()},
        **{f"hub88 {k}": v for k, v in stored(hub88).items()},
    }

    for plaintext in (SECRET, "previous-secret", PRIVATE_PEM, "PRIVATE KEY"):
        assert not any(plaintext in value for value in columns.values()), plaintext
    assert columns["native signing_secret"].startswith("gAAAAA")  # a Fernet token
    assert columns["hub88 private_key_pem"].startswith("gAAAAA")
    assert columns["hub88 signing_secret"] == ""  # not set stays visibly not set
    assert Aggregator.objects.get(code="acme").signing_secrets() == [SECRET, "previous-secret"]
    assert Aggregator.objects.get(code="hub88").private_key_pem == PRIVATE_PEM


def test_the_same_secret_is_stored_as_a_different_token_each_time(db):
    first = stored(aggregator_create(code="one", signing_secret=SECRET))
    second = stored(aggregator_create(code="two", signing_secret=SECRET))

    assert first["signing_secret"] != second["signing_secret"]


def test_signed_native_and_hub88_calls_still_verify(client, db, player):
    native_aggregator(), hub88_aggregator()

    answer = hub88_balance_answer(client, player)

    assert native_balance(client, player) == 200
    assert answer.json()["status"] == "RS_OK"
    assert rsa_signature_matches(PUBLIC_PEM, answer.content, answer.headers["X-Hub88-Signature"])


def test_history_rows_hold_no_secret_nor_its_token(db):
    aggregator = native_aggregator()
    tokens = stored(aggregator)
    aggregator.name = "Renamed"
    aggregator.save()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Aggregator.history.model._meta.db_table}")  # noqa: S608
        cells = [str(cell) for row in cursor.fetchall() for cell in row]

    assert len(cells) > 0
    for value in (SECRET, "previous-secret", tokens["signing_secret"], tokens["previous_signing_secret"]):
        assert not any(value in cell for cell in cells)


def test_a_secret_set_in_the_admin_is_stored_encrypted_and_never_shown(client, admin_user, aggregator):
    client.force_login(admin_user)
    url = reverse("admin:casino_aggregator_change", args=[aggregator.pk])
    form = {
        "code": aggregator.code,
        "name": aggregator.name,
        "protocol": "native",
        "is_active": "on",
        "key_id": aggregator.key_id,
        "signing_secret": "set-in-the-admin",
        "allowed_skew_seconds": "30",
        **NO_RISK_LIMIT_ROWS,
    }

    response = client.post(url, form)

    assert response.status_code == 302
    assert "set-in-the-admin" not in stored(aggregator)["signing_secret"]
    assert Aggregator.objects.get(pk=aggregator.pk).signing_secret == "set-in-the-admin"
    assert "set-in-the-admin" not in client.get(url).content.decode()


def test_a_signed_call_decrypts_the_secret_once_per_cached_aggregator(native, call, monkeypatch):
    decrypted = []
    real_decrypt = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda token, **kw: decrypted.append(kw) or real_decrypt(token, **kw))
    forget_aggregators()

    statuses = [native.post("balance", call("balance")).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    # One secret set (no previous one): decrypted when the aggregator row was loaded, then cached.
    assert decrypted == [{"what": "casino.Aggregator.signing_secret"}]


# --- Wrong or missing key ---------------------------------------------------------------------


def test_a_secret_no_configured_key_opens_fails_loudly(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    native_aggregator()
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]

    with pytest.raises(UndecryptableSecret, match="casino.Aggregator.signing_secret cannot be decrypted"):
        Aggregator.objects.get(code="acme")


def test_without_field_encryption_keys_nothing_starts():
    # Set but empty, rather than absent: an env file (.env, var/local.env) never overrides it.
    env = {**os.environ, "FIELD_ENCRYPTION_KEYS": ""}

    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr
    assert "Fernet.generate_key()" in result.stderr


# --- Rotation ---------------------------------------------------------------------------------


def test_after_rotation_the_new_key_alone_verifies_and_signs(client, db, settings, player):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    native_aggregator(), hub88_aggregator()
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    output = rotate()

    assert output == "2 row(s) re-encrypted with the first key"
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    forget_aggregators()  # this process's cached aggregators were read under the old key
    answer = hub88_balance_answer(client, player)
    assert native_balance(client, player) == 200
    assert rsa_signature_matches(PUBLIC_PEM, answer.content, answer.headers["X-Hub88-Signature"])
    assert Aggregator.objects.get(code="acme").signing_secrets() == [SECRET, "previous-secret"]
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]  # the old key alone no longer opens anything
    with pytest.raises(UndecryptableSecret):
        Aggregator.objects.get(code="hub88")


def test_rotating_again_changes_nothing(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    aggregator = native_aggregator()
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    rotate()
    tokens = stored(aggregator)

    output = rotate()

    assert output == "0 row(s) re-encrypted with the first key"
    assert stored(aggregator) == tokens


def test_a_rotation_that_meets_an_unreadable_secret_changes_no_row(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    readable = native_aggregator()
    settings.FIELD_ENCRYPTION_KEYS = [KEY_C]
    aggregator_create(code="zeta", signing_secret="under-a-lost-key")
    before = stored(readable)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    with pytest.raises(UndecryptableSecret):
        rotate()

    assert stored(readable) == before

"""Hub88 Wallet API: every endpoint and every RS_* status we emit, over signed HTTP."""

import json
from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from casino.models import Aggregator, GameSession, Player
from casino.signing import rsa_sign, rsa_signature_matches
from tests.conftest import balance_of, make_player
from tests.hub88.conftest import PRIVATE_PEM, PUBLIC_PEM
from wallet.api import hub88 as hub88_api
from wallet.api.hub88 import views as hub88_views
from wallet.errors import RetryLater
from wallet.models import AggregatorTransaction

EUR_100 = 10_000_000  # the test player's 100.00 EUR in Hub88 units


def _expire(session: GameSession) -> None:
    GameSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timedelta(minutes=1))


# --- Signature and the envelope -------------------------------------------------------------


def test_a_bad_signature_is_refused_with_its_status_and_moves_nothing(hub88, tx, player):
    body = tx("bet")
    other_key_signature = rsa_sign(_other_private_key(), json.dumps(body).encode())

    answer = hub88.post("transaction/bet", body, signature=other_key_signature)

    assert answer["status"] == "RS_ERROR_INVALID_SIGNATURE"
    assert answer["request_uuid"] == body["request_uuid"]
    assert balance_of(player) == 10_000
    assert not AggregatorTransaction.objects.exists()


def test_a_missing_signature_is_refused(hub88, tx):
    assert hub88.post("transaction/bet", tx("bet"), signature="")["status"] == "RS_ERROR_INVALID_SIGNATURE"


def test_a_signature_over_other_bytes_is_refused(hub88, tx):
    body = tx("bet")
    signature = rsa_sign(PRIVATE_PEM, json.dumps(body, indent=1).encode())  # same JSON, other bytes

    assert hub88.post("transaction/bet", body, signature=signature)["status"] == "RS_ERROR_INVALID_SIGNATURE"


def test_an_unknown_or_inactive_aggregator_code_is_an_invalid_signature(hub88, tx, hub88_aggregator):
    hub88.code = "nobody"
    assert hub88.post("transaction/bet", tx("bet"))["status"] == "RS_ERROR_INVALID_SIGNATURE"

    hub88.code = hub88_aggregator.code
    Aggregator.objects.filter(pk=hub88_aggregator.pk).update(is_active=False)
    assert hub88.post("transaction/bet", tx("bet"))["status"] == "RS_ERROR_INVALID_SIGNATURE"


def test_the_same_code_on_the_native_protocol_is_not_reachable_over_hub88(hub88, tx, hub88_aggregator):
    Aggregator.objects.filter(pk=hub88_aggregator.pk).update(protocol=Aggregator.Protocol.NATIVE)

    assert hub88.post("transaction/bet", tx("bet"))["status"] == "RS_ERROR_INVALID_SIGNATURE"


def test_answers_are_signed_with_our_private_key(client, tx, hub88_session):
    body = json.dumps(tx("bet")).encode()
    response = client.post(
        "/api/hub88/hub88/transaction/bet",
        body,
        content_type="application/json",
        headers={"X-Hub88-Signature": rsa_sign(PRIVATE_PEM, body)},
    )

    assert rsa_signature_matches(PUBLIC_PEM, response.content, response.headers["X-Hub88-Signature"])


# --- /user/info and /user/balance -----------------------------------------------------------


def test_user_info_answers_the_country_of_a_player_launched_here(hub88, hub88_session):
    answer = hub88.post("user/info", {"user": "player-1", "request_uuid": "r-1"})

    assert answer == {"user": "player-1", "status": "RS_OK", "request_uuid": "r-1", "country": "MT"}


def test_user_info_of_an_unknown_user_is_an_invalid_token(hub88, hub88_aggregator):
    answer = hub88.post("user/info", {"user": "nobody", "request_uuid": "r-1"})

    assert answer == {"user": "nobody", "status": "RS_ERROR_INVALID_TOKEN", "request_uuid": "r-1"}


def test_balance_returns_the_session_wallet_in_hub88_units(hub88, hub88_session):
    answer = hub88.post(
        "user/balance",
        {"user": "player-1", "token": hub88_session.token, "game_code": "clt_dragonrising", "request_uuid": "r-2"},
    )

    assert answer == {
        "user": "player-1",
        "status": "RS_OK",
        "request_uuid": "r-2",
        "currency": "EUR",
        "balance": EUR_100,
    }


def test_balance_is_answered_for_an_expired_session(hub88, hub88_session):
    _expire(hub88_session)

    answer = hub88.post("user/balance", {"user": "player-1", "token": hub88_session.token, "request_uuid": "r"})

    assert answer["status"] == "RS_OK"
    assert answer["balance"] == EUR_100


def test_balance_with_an_unknown_token_is_an_invalid_token(hub88, hub88_session):
    answer = hub88.post("user/balance", {"user": "player-1", "token": "not-ours", "request_uuid": "r"})

    assert answer["status"] == "RS_ERROR_INVALID_TOKEN"


def test_a_token_of_another_user_is_an_invalid_token(hub88, hub88_session):
    make_player("player-2")

    answer = hub88.post("user/balance", {"user": "player-2", "token": hub88_session.token, "request_uuid": "r"})

    assert answer["status"] == "RS_ERROR_INVALID_TOKEN"


# --- Bets -----------------------------------------------------------------------------------


def test_a_bet_debits_the_exact_amount_and_answers_the_new_balance(hub88, tx, player):
    body = tx("bet", amount=356_000)  # 3.56 EUR

    answer = hub88.post("transaction/bet", body)

    assert answer == {
        "user": "player-1",
        "status": "RS_OK",
        "request_uuid": body["request_uuid"],
        "currency": "EUR",
        "balance": EUR_100 - 356_000,
    }
    assert balance_of(player) == 10_000 - 356


def test_a_bet_above_the_balance_answers_not_enough_money_with_the_actual_balance(hub88, tx, player):
    answer = hub88.post("transaction/bet", tx("bet", amount=EUR_100 + 100_000))

    assert answer["status"] == "RS_ERROR_NOT_ENOUGH_MONEY"
    assert answer["balance"] == EUR_100
    assert answer["currency"] == "EUR"
    assert balance_of(player) == 10_000


def test_a_bet_on_an_expired_token_is_refused(hub88, tx, hub88_session, player):
    _expire(hub88_session)

    answer = hub88.post("transaction/bet", tx("bet"))

    assert answer["status"] == "RS_ERROR_TOKEN_EXPIRED"
    assert answer["balance"] == EUR_100
    assert balance_of(player) == 10_000


def test_a_bet_of_a_disabled_player_is_refused(hub88, tx, player):
    Player.objects.filter(pk=player.pk).update(status=Player.Status.BLOCKED)

    assert hub88.post("transaction/bet", tx("bet"))["status"] == "RS_ERROR_USER_DISABLED"
    assert balance_of(player) == 10_000


@pytest.mark.parametrize("currency", ["USD", "mBTC", "XXX"])
def test_a_bet_in_another_currency_is_wrong_currency(hub88, tx, player, currency):
    answer = hub88.post("transaction/bet", tx("bet", currency=currency))

    assert answer["status"] == "RS_ERROR_WRONG_CURRENCY"
    assert balance_of(player) == 10_000


def test_an_inexact_amount_is_refused_never_rounded(hub88, tx, player):
    answer = hub88.post("transaction/bet", tx("bet", amount=356_001))  # 3.56001 EUR

    assert answer["status"] == hub88_api.INEXACT_AMOUNT_STATUS == "RS_ERROR_WRONG_TYPES"
    assert balance_of(player) == 10_000
    assert not AggregatorTransaction.objects.exists()


@pytest.mark.parametrize("missing", ["user", "token", "transaction_uuid", "currency", "amount", "request_uuid"])
def test_a_missing_field_is_wrong_syntax(hub88, tx, missing):
    body = tx("bet")
    del body[missing]

    assert hub88.post("transaction/bet", body)["status"] == "RS_ERROR_WRONG_SYNTAX"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "100000"),
        ("amount", 100000.0),
        ("amount", True),
        ("user", 12345),
        ("round_closed", "true"),
        ("meta", []),
    ],
)
def test_a_field_of_the_wrong_type_is_wrong_types(hub88, tx, player, field, value):
    answer = hub88.post("transaction/bet", tx("bet", **{field: value}))

    assert answer["status"] == "RS_ERROR_WRONG_TYPES"
    assert balance_of(player) == 10_000


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_wrong_syntax(hub88, hub88_aggregator, raw):
    answer = hub88.post("transaction/bet", raw)

    assert answer == {"status": "RS_ERROR_WRONG_SYNTAX", "request_uuid": None}


def test_a_negative_amount_is_wrong_syntax(hub88, tx):
    assert hub88.post("transaction/bet", tx("bet", amount=-100_000))["status"] == "RS_ERROR_WRONG_SYNTAX"


def test_unknown_fields_and_unknown_enum_values_are_tolerated(hub88, tx, player):
    body = tx(
        "bet",
        new_optional_field={"nested": [1, 2]},
        platform="GPL_SOMETHING_NEW",
        jurisdiction="NEW_REGULATOR",
        is_supplier_promo=False,
        reward_uuid=None,
        supplier_user=None,
        round=None,
        round_closed=None,
        is_free=None,
        meta=None,
    )

    assert hub88.post("transaction/bet", body)["status"] == "RS_OK"
    assert balance_of(player) == 10_000 - 100


def test_a_free_bet_debits_nothing_and_its_win_is_credited(hub88, tx, player):
    bet = tx("bet", is_free=True, reward_uuid="reward-1", amount=500_000)

    assert hub88.post("transaction/bet", bet)["balance"] == EUR_100
    win = tx("win", is_free=True, amount=200_000, reference_transaction_uuid=bet["transaction_uuid"])
    assert hub88.post("transaction/win", win)["balance"] == EUR_100 + 200_000
    assert balance_of(player) == 10_000 + 200


# --- Idempotency ----------------------------------------------------------------------------


def test_a_resent_bet_gets_its_first_answer_with_the_new_request_uuid_and_debits_once(hub88, tx, player):
    body = tx("bet", amount=100_000)
    first = hub88.post("transaction/bet", body)
    hub88.post("transaction/bet", tx("bet", amount=300_000))  # the balance moves on meanwhile

    again = hub88.post("transaction/bet", body | {"request_uuid": "retry-uuid"})

    assert again == first | {"request_uuid": "retry-uuid"}
    assert balance_of(player) == 10_000 - 100 - 300


@pytest.mark.parametrize(
    "change", [{"amount": 200_000}, {"round": "round-2"}, {"game_code": "other_game"}, {"currency": "USD"}]
)
def test_the_same_transaction_uuid_with_other_content_is_a_duplicate(hub88, tx, player, change):
    body = tx("bet", amount=100_000)
    hub88.post("transaction/bet", body)

    answer = hub88.post("transaction/bet", body | change)

    assert answer["status"] == "RS_ERROR_DUPLICATE_TRANSACTION"
    assert answer["balance"] == EUR_100 - 100_000
    assert balance_of(player) == 10_000 - 100


def test_a_resent_refusal_gets_the_same_refusal(hub88, tx, player):
    body = tx("bet", amount=EUR_100 + 100_000)
    first = hub88.post("transaction/bet", body)

    assert hub88.post("transaction/bet", body) == first
    assert first["status"] == "RS_ERROR_NOT_ENOUGH_MONEY"


def test_a_change_of_round_closed_alone_is_a_resend_not_a_duplicate(hub88, tx, player):
    body = tx("bet")
    hub88.post("transaction/bet", body)

    assert hub88.post("transaction/bet", body | {"round_closed": None})["status"] == "RS_OK"
    assert balance_of(player) == 10_000 - 100


# --- Wins -----------------------------------------------------------------------------------


def test_a_win_credits_its_bet_exactly(hub88, tx, player):
    bet = tx("bet", amount=100_000)
    hub88.post("transaction/bet", bet)

    answer = hub88.post(
        "transaction/win",
        tx("win", amount=250_000, reference_transaction_uuid=bet["transaction_uuid"], round_closed=True),
    )

    assert answer["status"] == "RS_OK"
    assert answer["balance"] == EUR_100 - 100_000 + 250_000
    assert balance_of(player) == 10_000 + 150


def test_a_win_without_its_bet_does_not_exist(hub88, tx, player):
    answer = hub88.post("transaction/win", tx("win", reference_transaction_uuid="never-seen"))

    assert answer["status"] == "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"
    assert answer["balance"] == EUR_100
    assert balance_of(player) == 10_000


def test_a_win_whose_bet_was_rolled_back_does_not_exist(hub88, tx, player):
    bet = tx("bet")
    hub88.post("transaction/bet", bet)
    hub88.post("transaction/rollback", tx("rollback", reference_transaction_uuid=bet["transaction_uuid"]))

    answer = hub88.post("transaction/win", tx("win", reference_transaction_uuid=bet["transaction_uuid"]))

    assert answer["status"] == hub88_api.ROLLED_BACK_STATUS == "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"
    assert balance_of(player) == 10_000


def test_a_win_on_an_expired_token_is_accepted(hub88, tx, hub88_session, player):
    bet = tx("bet")
    hub88.post("transaction/bet", bet)
    _expire(hub88_session)

    answer = hub88.post(
        "transaction/win", tx("win", amount=500_000, reference_transaction_uuid=bet["transaction_uuid"])
    )

    assert answer["status"] == "RS_OK"
    assert balance_of(player) == 10_000 - 100 + 500


def test_a_disabled_player_still_receives_wins(hub88, tx, player):
    bet = tx("bet")
    hub88.post("transaction/bet", bet)
    Player.objects.filter(pk=player.pk).update(status=Player.Status.BLOCKED)

    answer = hub88.post("transaction/win", tx("win", reference_transaction_uuid=bet["transaction_uuid"]))

    assert answer["status"] == "RS_OK"


def test_a_zero_win_closes_a_losing_round(hub88, tx, player):
    bet = tx("bet")
    hub88.post("transaction/bet", bet)

    answer = hub88.post(
        "transaction/win", tx("win", amount=0, round_closed=True, reference_transaction_uuid=bet["transaction_uuid"])
    )

    assert answer["status"] == "RS_OK"
    assert balance_of(player) == 10_000 - 100


def test_a_second_win_in_a_closed_round_does_not_exist(hub88, tx, player):
    bet = tx("bet")
    hub88.post("transaction/bet", bet)
    hub88.post("transaction/win", tx("win", round_closed=True, reference_transaction_uuid=bet["transaction_uuid"]))

    answer = hub88.post("transaction/win", tx("win", reference_transaction_uuid=bet["transaction_uuid"]))

    assert answer["status"] == "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"
    assert balance_of(player) == 10_000


# --- Rollbacks ------------------------------------------------------------------------------


def test_a_rollback_refunds_its_bet_once(hub88, tx, player):
    bet = tx("bet", amount=300_000)
    hub88.post("transaction/bet", bet)
    rollback = tx("rollback", reference_transaction_uuid=bet["transaction_uuid"])

    first = hub88.post("transaction/rollback", rollback)
    again = hub88.post("transaction/rollback", rollback | {"request_uuid": "again"})
    other = hub88.post("transaction/rollback", tx("rollback", reference_transaction_uuid=bet["transaction_uuid"]))

    assert first["status"] == again["status"] == other["status"] == "RS_OK"
    assert first["balance"] == again["balance"] == EUR_100
    assert again["request_uuid"] == "again"
    assert balance_of(player) == 10_000


def test_a_rollback_of_an_unknown_transaction_is_ok_and_the_late_bet_is_not_applied(hub88, tx, player):
    bet = tx("bet", amount=300_000)
    rollback = hub88.post("transaction/rollback", tx("rollback", reference_transaction_uuid=bet["transaction_uuid"]))

    late = hub88.post("transaction/bet", bet)

    assert rollback["status"] == "RS_OK"
    assert rollback["balance"] == EUR_100
    assert late["status"] == hub88_api.ROLLED_BACK_STATUS
    assert late["balance"] == EUR_100
    assert balance_of(player) == 10_000


def test_a_rollback_on_an_expired_token_is_accepted(hub88, tx, hub88_session, player):
    bet = tx("bet")
    hub88.post("transaction/bet", bet)
    _expire(hub88_session)

    answer = hub88.post("transaction/rollback", tx("rollback", reference_transaction_uuid=bet["transaction_uuid"]))

    assert answer["status"] == "RS_OK"
    assert balance_of(player) == 10_000


def test_a_rollback_of_a_refused_bet_is_ok_and_moves_nothing(hub88, tx, player):
    bet = tx("bet", amount=EUR_100 + 100_000)
    hub88.post("transaction/bet", bet)

    answer = hub88.post("transaction/rollback", tx("rollback", reference_transaction_uuid=bet["transaction_uuid"]))

    assert answer["status"] == "RS_OK"
    assert balance_of(player) == 10_000


def test_a_rollback_without_its_reference_is_wrong_syntax(hub88, tx):
    assert hub88.post("transaction/rollback", tx("rollback"))["status"] == "RS_ERROR_WRONG_SYNTAX"


# --- Temporary failures ---------------------------------------------------------------------


@pytest.mark.parametrize("failure", [RetryLater(), DatabaseError("lock timeout")])
def test_a_temporary_failure_answers_a_status_hub88_retries(hub88, tx, monkeypatch, failure):
    def fail(**kwargs):
        raise failure

    monkeypatch.setattr(hub88_views, "wallet_process_call", fail)
    body = tx("bet")

    answer = hub88.post("transaction/bet", body)

    assert answer["status"] == hub88_api.RETRYABLE_STATUS == "RS_ERROR_UNKNOWN"
    assert answer["request_uuid"] == body["request_uuid"]


def test_our_inbound_rate_limit_answers_the_retryable_status(hub88, tx, hub88_aggregator, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hub88"}}
    Aggregator.objects.filter(pk=hub88_aggregator.pk).update(rate_limit_per_minute=1)

    hub88.post("user/balance", {"user": "player-1", "token": "t", "request_uuid": "r"})
    answer = hub88.post("user/balance", {"user": "player-1", "token": "t", "request_uuid": "r"})

    assert answer["status"] == "RS_ERROR_UNKNOWN"


# --- Schema ---------------------------------------------------------------------------------


def test_the_endpoints_are_in_the_openapi_schema(client, db):
    response = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    schema = response.content.decode()

    for path in ("user/info", "user/balance", "transaction/bet", "transaction/win", "transaction/rollback"):
        assert f"/api/hub88/{{code}}/{path}" in schema
    assert "X-Hub88-Signature" in schema


# --- helpers --------------------------------------------------------------------------------


def _other_private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_an_unusable_private_key_leaves_the_answer_unsigned_but_given(client, tx, hub88_aggregator, player):
    Aggregator.objects.filter(pk=hub88_aggregator.pk).update(private_key_pem="not a key")
    body = json.dumps(tx("bet")).encode()

    response = client.post(
        f"/api/hub88/{hub88_aggregator.code}/transaction/bet",
        body,
        content_type="application/json",
        headers={"X-Hub88-Signature": rsa_sign(PRIVATE_PEM, body)},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "RS_OK"
    assert "X-Hub88-Signature" not in response.headers
    assert balance_of(player) == 10_000 - 100


def test_a_round_id_of_another_player_is_refused_as_wrong_syntax(hub88, tx, hub88_aggregator, player):
    from games.services import session_open

    other = make_player("player-2")
    other_session = session_open(player=other, aggregator=hub88_aggregator, game_code="g", currency="EUR")
    hub88.post("transaction/bet", tx("bet", round="shared-round"))

    answer = hub88.post("transaction/bet", tx("bet", user="player-2", token=other_session.token, round="shared-round"))

    assert answer["status"] == "RS_ERROR_WRONG_SYNTAX"
    assert balance_of(other) == 10_000

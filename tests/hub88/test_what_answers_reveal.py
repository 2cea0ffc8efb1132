"""What a Hub88 answer may tell: no balance for a token that is not the player's, no player
details beyond what Hub88 was given at launch, no echo of oversized text."""

import json

import pytest

from casino.signing import rsa_sign
from games.services import session_open
from tests.conftest import make_player
from tests.hub88.conftest import PRIVATE_PEM

# --- A token that is not the player's -----------------------------------------------------------


@pytest.mark.parametrize("path", ["user/balance", "transaction/bet", "transaction/win", "transaction/rollback"])
def test_a_token_of_another_player_answers_no_balance(hub88, tx, hub88_aggregator, path):
    other = make_player("player-2", deposit=500)
    theirs = session_open(player=other, aggregator=hub88_aggregator, game_code="clt_dragonrising", currency="EUR")
    body = tx(path.split("/")[1], token=theirs.token, reference_transaction_uuid="bet-1")

    answer = hub88.post(path, body)

    assert answer == {"user": "player-1", "status": "RS_ERROR_INVALID_TOKEN", "request_uuid": body["request_uuid"]}


def test_an_unknown_token_answers_no_balance(hub88, tx, player):
    body = tx("bet", token="no-such-token")

    answer = hub88.post("transaction/bet", body)

    assert answer == {"user": "player-1", "status": "RS_ERROR_INVALID_TOKEN", "request_uuid": body["request_uuid"]}


# --- /user/info ---------------------------------------------------------------------------------


def test_user_info_of_a_player_never_launched_here_is_an_invalid_token(hub88, hub88_aggregator, player):
    answer = hub88.post("user/info", {"user": "player-1", "request_uuid": "r-1"})

    assert answer == {"user": "player-1", "status": "RS_ERROR_INVALID_TOKEN", "request_uuid": "r-1"}


def test_user_info_answers_no_registration_date(hub88, hub88_session):
    answer = hub88.post("user/info", {"user": "player-1", "request_uuid": "r-1"})

    assert answer["status"] == "RS_OK"
    assert "registration_date" not in answer


def test_user_info_of_a_player_without_a_country_answers_none(hub88, hub88_session, player):
    player.country = ""
    player.save()

    answer = hub88.post("user/info", {"user": "player-1", "request_uuid": "r-1"})

    assert answer == {"user": "player-1", "status": "RS_OK", "request_uuid": "r-1"}


# --- Echoes -------------------------------------------------------------------------------------


def test_an_unsigned_body_echoes_request_uuid_and_user_of_a_sane_length(hub88, hub88_aggregator):
    body = {"user": "u" * 128, "request_uuid": "r" * 128}

    answer = hub88.post("transaction/bet", body, signature="")

    assert answer == {"user": "u" * 128, "status": "RS_ERROR_INVALID_SIGNATURE", "request_uuid": "r" * 128}


@pytest.mark.parametrize("signed", [False, True])
def test_oversized_request_uuid_and_user_are_not_echoed(hub88, hub88_aggregator, signed):
    raw = json.dumps({"user": "u" * 100_000, "request_uuid": "r" * 129}).encode()

    answer = hub88.post("transaction/bet", raw, signature=rsa_sign(PRIVATE_PEM, raw) if signed else "")

    assert answer == {"status": answer["status"], "request_uuid": None}
    assert answer["status"] == ("RS_ERROR_WRONG_SYNTAX" if signed else "RS_ERROR_INVALID_SIGNATURE")

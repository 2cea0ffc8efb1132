"""Native protocol v1: one signed body has one meaning. Whatever could be read two ways (a key
sent twice, another encoding, a number where the protocol says string, padded ids) is refused
with 400 VALIDATION_ERROR, and nothing a hostile body holds ends in a 500 or moves money."""

import json

import pytest

from games.services import session_open
from tests.conftest import balance_of, make_player
from tests.wallet.test_native_errors import assert_error
from wallet.models import AggregatorTransaction, LedgerTransaction

BALANCE_MAX = 2**63 - 1


def assert_refused_and_nothing_moved(response, player, *, balance: int = 10_000, message: str = "") -> None:
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert message in body["message"]
    assert balance_of(player) == balance
    assert not AggregatorTransaction.objects.exists()


def deeply_nested(levels: int) -> bytes:
    return b'{"player_id": ' + b"[" * levels + b"]" * levels + b"}"


@pytest.mark.parametrize("levels", [1_500, 2_000, 100_000])
def test_a_deeply_nested_signed_body_is_refused_not_a_server_error(native, aggregator, player, levels):
    response = native.post("bet", deeply_nested(levels))

    assert_refused_and_nothing_moved(response, player, message="nested")


def test_a_key_sent_twice_is_refused_instead_of_taking_the_last_value(native, call, player):
    # Given a bet whose amount is sent twice: a reader keeping the first would debit 1, ours 5000
    body = json.dumps(call("bet", transaction_id="dup-1", amount=1))[:-1] + ', "amount": 5000}'

    response = native.post("bet", body.encode())

    assert_refused_and_nothing_moved(response, player, message="amount")


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-16"),
        lambda text: text.encode("utf-16-le"),
        lambda text: text.encode("utf-32"),
        lambda text: b"\xef\xbb\xbf" + text.encode(),
        lambda text: text.encode("latin-1"),
    ],
    ids=["utf-16", "utf-16-le", "utf-32", "utf-8 with a byte order mark", "latin-1"],
)
def test_a_body_not_in_plain_utf8_is_refused(native, call, player, encode):
    body = json.dumps(call("bet", transaction_id="enc-1", amount=100, game_id="jeu-é"), ensure_ascii=False)

    response = native.post("bet", encode(body))

    assert_refused_and_nothing_moved(response, player)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1", ""],
)
def test_a_body_sent_as_anything_but_json_is_refused(native, call, player, content_type):
    response = native.post(
        "bet", call("bet", transaction_id="ct-1", amount=100), headers={"Content-Type": content_type}
    )

    assert_refused_and_nothing_moved(response, player, message="application/json")


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON; charset=UTF-8"])
def test_json_with_a_utf8_charset_is_accepted(native, call, player, content_type):
    response = native.post(
        "bet", call("bet", transaction_id="ct-2", amount=100), headers={"Content-Type": content_type}
    )

    assert response.status_code == 200, response.content
    assert balance_of(player) == 9_900


@pytest.mark.parametrize("field", ["transaction_id", "round_id", "game_id", "player_id", "session_token"])
def test_an_integer_where_the_protocol_says_string_is_refused(native, call, player, session, field):
    body = call("bet", transaction_id="int-1", amount=100)
    body[field] = 12345

    response = native.post("bet", body)

    assert_refused_and_nothing_moved(response, player, message=field)


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "1", None])
def test_round_closed_takes_only_a_json_boolean(native, call, player, value):
    response = native.post("bet", call("bet", transaction_id="rc-1", amount=100, round_closed=value))

    assert_refused_and_nothing_moved(response, player, message="round_closed")


@pytest.mark.parametrize("padded", [" ws-X ", "ws-X ", " ws-X", "ws-X\n", "ws\x07X", "ws\u200bX"])
def test_an_id_with_surrounding_whitespace_or_control_characters_is_refused_not_trimmed(native, call, player, padded):
    # Given a bet ws-X applied once
    assert native.post("bet", call("bet", transaction_id="ws-X", amount=100)).status_code == 200

    # When an id that trims to ws-X arrives
    response = native.post("bet", call("bet", transaction_id=padded, amount=100))

    # Then it is refused as malformed, not answered as a resend of ws-X
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "transaction_id" in body["message"]
    assert balance_of(player) == 9_900
    assert AggregatorTransaction.objects.count() == 1


def test_a_win_that_would_take_the_balance_past_the_largest_a_wallet_holds_is_refused(native, aggregator):
    # Given a wallet 10 minor units short of the largest balance a bigint holds
    player = make_player("rich", deposit=BALANCE_MAX - 10)

    session = session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR")
    win = {
        "player_id": "rich",
        "session_token": session.token,
        "currency": "EUR",
        "transaction_id": "free-1",
        "round_id": "r-1",
        "game_id": "g",
        "amount": 11,
        "spin_type": "free",
    }

    # When a free win of 11 arrives
    response = native.post("win", win)

    # Then it is refused with the balance, and nothing is written
    body = assert_error(response, 400, "VALIDATION_ERROR", balance=BALANCE_MAX - 10)
    assert "largest balance" in body["message"]
    assert balance_of(player) == BALANCE_MAX - 10
    assert not LedgerTransaction.objects.filter(kind="win").exists()

    # And a win that reaches the largest balance exactly is paid
    response = native.post("win", win | {"transaction_id": "free-2", "amount": 10})
    assert response.status_code == 200, response.content
    assert response.json()["balance"] == BALANCE_MAX


def test_a_refund_that_would_take_the_balance_past_the_largest_is_refused(native, call, aggregator):
    # Given a bet of 100, then wins that fill the wallet to the largest balance
    player = make_player("full", deposit=BALANCE_MAX - 1_000)

    session = session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR")
    base = {"player_id": "full", "session_token": session.token, "currency": "EUR", "round_id": "r", "game_id": "g"}
    assert native.post("bet", base | {"transaction_id": "b-1", "amount": 100}).status_code == 200
    assert native.post("win", base | {"transaction_id": "w-1", "amount": 1_100}).status_code == 200

    # When the bet is rolled back (its refund would not fit)
    response = native.post("rollback", base | {"transaction_id": "rb-1", "rollback_transaction_id": "b-1"})

    # Then it is refused, and the balance stays the largest
    body = assert_error(response, 400, "VALIDATION_ERROR", balance=BALANCE_MAX)
    assert "largest balance" in body["message"]
    assert balance_of(player) == BALANCE_MAX

"""Hub88 promises HTTP 200 always: no body, signed or not, however hostile, ends in a 500. A body
that could be read two ways (a key twice, another encoding) is RS_ERROR_WRONG_SYNTAX, and an
amount no wallet can hold gets a final status (Hub88 would resend a win on RS_ERROR_UNKNOWN)."""

import json

import pytest

from casino.money import MINOR_UNITS_MAX
from games.services import session_open
from tests.conftest import balance_of, make_player
from wallet.models import AggregatorTransaction

ETH_WEI_PER_HUB88_UNIT = 10**13  # ETH has 18 decimals, Hub88 counts in 10^-5


def deeply_nested(levels: int) -> bytes:
    return b'{"user": "player-1", "request_uuid": "r-1", "meta": ' + b"[" * levels + b"]" * levels + b"}"


@pytest.mark.parametrize("levels", [1_500, 2_000])
def test_a_deeply_nested_unsigned_body_answers_invalid_signature(hub88, hub88_aggregator, levels):
    answer = hub88.post("transaction/bet", deeply_nested(levels), signature="bm90IGEgc2lnbmF0dXJl")

    assert answer == {"status": "RS_ERROR_INVALID_SIGNATURE", "request_uuid": None}


@pytest.mark.parametrize("levels", [1_500, 2_000])
def test_a_deeply_nested_signed_body_is_wrong_syntax(hub88, hub88_session, player, levels):
    answer = hub88.post("transaction/bet", deeply_nested(levels))

    assert answer == {"status": "RS_ERROR_WRONG_SYNTAX", "request_uuid": None}
    assert balance_of(player) == 10_000


def test_a_key_sent_twice_is_wrong_syntax_and_moves_nothing(hub88, tx, player):
    body = json.dumps(tx("bet", amount=1_000))[:-1] + ', "amount": 500000}'

    answer = hub88.post("transaction/bet", body.encode())

    assert answer["status"] == "RS_ERROR_WRONG_SYNTAX"
    assert balance_of(player) == 10_000
    assert not AggregatorTransaction.objects.exists()


@pytest.mark.parametrize(
    "encode",
    [lambda text: text.encode("utf-16"), lambda text: b"\xef\xbb\xbf" + text.encode(), lambda t: t.encode("latin-1")],
    ids=["utf-16", "utf-8 with a byte order mark", "latin-1"],
)
def test_a_body_not_in_plain_utf8_is_wrong_syntax(hub88, tx, player, encode):
    body = json.dumps(tx("bet", amount=1_000, bet="mise à jour"), ensure_ascii=False)

    answer = hub88.post("transaction/bet", encode(body))

    assert answer["status"] == "RS_ERROR_WRONG_SYNTAX"
    assert balance_of(player) == 10_000


@pytest.fixture
def eth_session(hub88_aggregator):
    # A wallet holding 9 ETH: the largest an ETH wallet holds is 9.223372036854775807 ETH.
    player = make_player("eth-1", currency="ETH", deposit=9 * 10**18)
    return session_open(player=player, aggregator=hub88_aggregator, game_code="g", currency="ETH")


@pytest.mark.parametrize("kind", ["bet", "win"])
def test_an_eth_amount_larger_than_any_wallet_holds_is_wrong_types_every_time(hub88, tx, eth_session, kind):
    # 10 ETH: 10^19 wei, more than a bigint holds
    body = tx(kind, user="eth-1", token=eth_session.token, currency="ETH", amount=1_000_000)

    answers = [hub88.post(f"transaction/{kind}", body)["status"] for _ in range(2)]

    assert answers == ["RS_ERROR_WRONG_TYPES", "RS_ERROR_WRONG_TYPES"]  # final: a resend gets it too
    assert balance_of(eth_session.player, "ETH") == 9 * 10**18


def test_a_win_that_would_take_the_balance_past_the_largest_is_refused_with_a_final_status(hub88, tx, eth_session):
    # Given a bet of 0.1 ETH in the round (9 ETH - 0.1 ETH left)
    common = {"user": "eth-1", "token": eth_session.token, "currency": "ETH"}
    bet = tx("bet", **common, amount=10_000)
    assert hub88.post("transaction/bet", bet)["status"] == "RS_OK"

    # When it wins 0.4 ETH (9.3 ETH would not fit)
    win = tx("win", **common, amount=40_000, reference_transaction_uuid=bet["transaction_uuid"])
    answer = hub88.post("transaction/win", win)

    # Then the win is refused with a status Hub88 does not resend, and nothing is credited
    assert answer["status"] == "RS_ERROR_WRONG_SYNTAX"
    assert balance_of(eth_session.player, "ETH") == 9 * 10**18 - 10**17
    assert 9 * 10**18 - 10**17 + 40_000 * ETH_WEI_PER_HUB88_UNIT > MINOR_UNITS_MAX

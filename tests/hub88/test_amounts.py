"""Hub88 amounts (units x 100000) to minor units and back: exact, or refused."""

import pytest

from casino.money import InexactAmount
from games.services import session_open
from tests.conftest import balance_of, make_player
from wallet.api.hub88 import to_hub88_units, to_minor_units


@pytest.mark.parametrize(
    ("exponent", "hub88", "minor"),
    [
        (2, 356_000, 356),  # EUR 3.56 (the docs' example)
        (2, 1_000, 1),  # EUR 0.01
        (2, 0, 0),
        (0, 100_000, 1),  # JPY 1
        (0, 150_000_000, 1_500),  # JPY 1500
        (8, 1, 1_000),  # BTC 0.00001 = 1000 satoshi
        (8, 123_456, 123_456_000),  # BTC 1.23456
        (18, 1, 10**13),  # ETH 0.00001 = 10^13 wei
        (18, 250_000, 25 * 10**17),  # ETH 2.5
    ],
)
def test_amounts_convert_exactly_both_ways(exponent, hub88, minor):
    assert to_minor_units(hub88, exponent=exponent) == minor
    assert to_hub88_units(minor, exponent=exponent) == hub88


@pytest.mark.parametrize(
    ("exponent", "hub88"),
    [
        (2, 356_001),  # EUR 3.56001
        (2, 100_500),  # EUR 1.005
        (2, 999),  # EUR 0.00999
        (0, 150_000),  # JPY 1.5
        (0, 1),  # JPY 0.00001
    ],
)
def test_an_amount_finer_than_the_minor_unit_is_refused(exponent, hub88):
    with pytest.raises(InexactAmount):
        to_minor_units(hub88, exponent=exponent)


@pytest.mark.parametrize(
    ("exponent", "minor", "hub88"),
    [(8, 1_999, 1), (8, 999, 0), (18, 10**13 + 1, 1), (18, 2 * 10**13 - 1, 1)],
)
def test_a_balance_finer_than_hub88_units_is_shown_rounded_down(exponent, minor, hub88):
    # Only balances pass this way (deposits of crypto dust); Hub88 never sees more than there is.
    assert to_hub88_units(minor, exponent=exponent) == hub88


@pytest.mark.parametrize(
    ("currency", "deposit", "bet", "debited"),
    [
        ("JPY", 10_000, 150_000_000, 1_500),
        ("BTC", 2 * 10**8, 123_456, 123_456_000),
        ("ETH", 10**18, 250, 25 * 10**14),
    ],
)
def test_a_bet_in_each_currency_debits_exact_minor_units(hub88, tx, hub88_aggregator, currency, deposit, bet, debited):
    player = make_player(f"p-{currency}", currency=currency, deposit=deposit)
    session = session_open(player=player, aggregator=hub88_aggregator, game_code="g", currency=currency)
    body = tx("bet", user=player.external_id, token=session.token, currency=currency, amount=bet)

    answer = hub88.post("transaction/bet", body)

    assert answer["status"] == "RS_OK"
    assert balance_of(player, currency) == deposit - debited
    assert answer["balance"] == to_hub88_units(deposit - debited, exponent={"JPY": 0, "BTC": 8, "ETH": 18}[currency])


def test_a_jpy_bet_of_half_a_yen_is_refused(hub88, tx, hub88_aggregator):
    player = make_player("p-jpy", currency="JPY", deposit=10_000)
    session = session_open(player=player, aggregator=hub88_aggregator, game_code="g", currency="JPY")

    answer = hub88.post("transaction/bet", tx("bet", user="p-jpy", token=session.token, currency="JPY", amount=50_000))

    assert answer["status"] == "RS_ERROR_WRONG_TYPES"
    assert balance_of(player, "JPY") == 10_000

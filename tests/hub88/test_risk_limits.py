"""Risk limits on wins over Hub88: a win over a limit answers RS_ERROR_LIMIT_REACHED (a final
status Hub88 does not retry, unlike RS_ERROR_UNKNOWN) with the unchanged balance."""

from tests.conftest import balance_of
from wallet.models import AggregatorTransaction

EUR_100 = 100 * 100_000  # the player's 100.00 EUR in Hub88 units (x 100000)
EUR_10_000 = 10_000 * 100_000  # the default largest win without a bet, in Hub88 units


def test_a_supplier_promo_win_of_ten_million_euros_is_refused_and_moves_nothing(hub88, tx, player):
    # A leaked credential: a win tied to no bet, EUR 10,000,000.
    win = tx("win", is_supplier_promo=True, amount=10_000_000 * 100_000, round="promo-1")

    answer = hub88.post("transaction/win", win)

    assert answer["status"] == "RS_ERROR_LIMIT_REACHED"
    assert answer["balance"] == EUR_100 and answer["currency"] == "EUR"
    assert balance_of(player) == 10_000


def test_a_free_win_above_the_default_limit_is_refused_and_its_resend_too(hub88, tx, player):
    win = tx("win", is_free=True, amount=EUR_10_000 + 1_000, round="free-1")  # EUR 10,000.01

    first = hub88.post("transaction/win", win)
    resend = hub88.post("transaction/win", win)

    assert first["status"] == resend["status"] == "RS_ERROR_LIMIT_REACHED"
    assert balance_of(player) == 10_000
    assert AggregatorTransaction.objects.get(external_id=win["transaction_uuid"]).result_code == "RISK_LIMIT_EXCEEDED"


def test_a_free_win_at_the_default_limit_is_credited(hub88, tx, player):
    answer = hub88.post("transaction/win", tx("win", is_free=True, amount=EUR_10_000, round="free-1"))

    assert answer["status"] == "RS_OK"
    assert balance_of(player) == 10_000 + 10_000_00


def test_the_free_win_of_a_free_bet_is_a_win_without_a_bet_and_bound_by_its_limit(hub88, tx, player):
    # given a free bet: it debits nothing, so the win it pays has no stake behind it
    bet = tx("bet", is_free=True, amount=100_000, round="free-round")
    hub88.post("transaction/bet", bet)

    win = tx(
        "win",
        is_free=True,
        amount=EUR_10_000 + 1_000,
        round="free-round",
        reference_transaction_uuid=bet["transaction_uuid"],
    )
    answer = hub88.post("transaction/win", win)

    assert answer["status"] == "RS_ERROR_LIMIT_REACHED"
    assert balance_of(player) == 10_000


def test_a_win_above_the_multiple_of_the_bet_it_names_is_refused(hub88, tx, player, hub88_aggregator):
    hub88_aggregator.max_win_multiple = 100
    hub88_aggregator.save()
    bet = tx("bet", amount=1_000, round="r-1")  # 0.01 EUR
    hub88.post("transaction/bet", bet)

    over = hub88.post("transaction/win", tx("win", amount=101_000, reference_transaction_uuid=bet["transaction_uuid"]))
    at = hub88.post("transaction/win", tx("win", amount=100_000, reference_transaction_uuid=bet["transaction_uuid"]))

    assert over["status"] == "RS_ERROR_LIMIT_REACHED"
    assert at["status"] == "RS_OK"
    assert balance_of(player) == 10_000 - 1 + 100

"""A bet over a responsible-gaming limit over Hub88: RS_ERROR_LIMIT_REACHED (a clean reject,
after which Hub88 sends no rollback), the same for a resend, and nothing moves."""

from compliance.rg.exclusion_services import exclusion_start
from compliance.rg.limits import rg_limit_set
from tests.conftest import balance_of
from wallet.models import AggregatorTransaction


def test_a_bet_over_the_wager_limit_answers_limit_reached_and_its_resend_too(hub88, tx, player):
    # given a session (the tx fixture's token) launched before a daily wager limit of 1.00 EUR
    bet = tx("bet", amount=200_000)  # 2.00 EUR in Hub88 units
    rg_limit_set(player=player, kind="wager", period="day", currency="EUR", amount=100)

    first = hub88.post("transaction/bet", bet)
    resend = hub88.post("transaction/bet", bet)

    assert first["status"] == resend["status"] == "RS_ERROR_LIMIT_REACHED"
    assert first["balance"] == resend["balance"] == 10_000 * 1_000  # unchanged, in Hub88 units
    assert balance_of(player) == 10_000
    record = AggregatorTransaction.objects.get(external_id=bet["transaction_uuid"])
    assert record.result_code == "RG_BLOCKED" and record.rg_reason == "WAGER_LIMIT"


def test_a_bet_within_the_limit_is_accepted(hub88, tx, player):
    rg_limit_set(player=player, kind="wager", period="day", currency="EUR", amount=100)

    answer = hub88.post("transaction/bet", tx("bet", amount=100_000))

    assert answer["status"] == "RS_OK"
    assert balance_of(player) == 9_900


def test_a_cool_off_refuses_a_bet_over_hub88_with_a_clean_reject(hub88, tx, player):
    exclusion_start(player=player, kind="cool_off", term="P1D")

    answer = hub88.post("transaction/bet", tx("bet"))

    assert answer["status"] == "RS_ERROR_LIMIT_REACHED"
    assert balance_of(player) == 10_000

"""Hub88 follows the wallet's money rules (wallet/services/rules.py) over signed HTTP: a win is
paid only by a live bet of the same wallet that staked money, in that bet's round, and every
refusal of a win or rollback is a final status Hub88 does not resend forever."""

import pytest

from casino.models import Mode
from games.services import session_open
from tests.conftest import balance_of, make_player
from wallet.api import hub88 as hub88_api
from wallet.errors import WALLET_CODES, ErrorCode
from wallet.models import AggregatorTransaction, LedgerTransaction

EUR_100 = 10_000_000  # the test player's 100.00 EUR in Hub88 units
DOES_NOT_EXIST = "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"


def wins_credited() -> int:
    return LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.WIN).count()


# --- Whose bet a win names ----------------------------------------------------------------------


def test_a_win_naming_another_players_bet_is_refused_and_credits_no_one(hub88, tx, hub88_aggregator, player):
    other = make_player("player-2")
    theirs = session_open(player=other, aggregator=hub88_aggregator, game_code="clt_dragonrising", currency="EUR")
    their_bet = tx("bet", user="player-2", token=theirs.token, round="their-round")
    hub88.post("transaction/bet", their_bet)

    answer = hub88.post(
        "transaction/win",
        tx("win", amount=5_000_000, round="their-round", reference_transaction_uuid=their_bet["transaction_uuid"]),
    )

    assert answer["status"] == DOES_NOT_EXIST
    assert answer["balance"] == EUR_100
    assert (balance_of(player), balance_of(other)) == (10_000, 10_000 - 100)
    assert wins_credited() == 0


def test_a_real_money_win_naming_the_players_demo_bet_is_refused(hub88, tx, hub88_aggregator, player):
    demo = session_open(
        player=player, aggregator=hub88_aggregator, game_code="clt_dragonrising", currency="EUR", mode=Mode.DEMO
    )
    demo_bet = tx("bet", token=demo.token, round="demo-round")
    hub88.post("transaction/bet", demo_bet)
    demo_balance = balance_of(player, mode=Mode.DEMO)

    answer = hub88.post(
        "transaction/win", tx("win", amount=5_000_000, reference_transaction_uuid=demo_bet["transaction_uuid"])
    )

    assert answer["status"] == DOES_NOT_EXIST
    assert balance_of(player) == 10_000
    assert balance_of(player, mode=Mode.DEMO) == demo_balance
    assert wins_credited() == 0


# --- The round a win belongs to -----------------------------------------------------------------


def test_a_win_in_a_new_round_naming_a_settled_bet_is_refused_every_time(hub88, tx, player):
    bet = tx("bet", round="round-1")
    hub88.post("transaction/bet", bet)
    closing_win = tx("win", amount=200_000, round="round-1", round_closed=True)
    hub88.post("transaction/win", closing_win | {"reference_transaction_uuid": bet["transaction_uuid"]})

    answers = [
        hub88.post("transaction/win", tx("win", round="round-2", reference_transaction_uuid=bet["transaction_uuid"]))
        for _ in range(3)
    ]

    assert [a["status"] for a in answers] == [DOES_NOT_EXIST] * 3
    assert balance_of(player) == 10_000 - 100 + 200
    assert wins_credited() == 1


def test_a_win_without_a_round_is_booked_in_its_bets_round(hub88, tx, player):
    bet = tx("bet", round="round-1")
    hub88.post("transaction/bet", bet)

    answer = hub88.post("transaction/win", tx("win", round=None, reference_transaction_uuid=bet["transaction_uuid"]))

    assert answer["status"] == "RS_OK"
    win = AggregatorTransaction.objects.get(kind="win")
    assert win.round.external_id == "round-1"


def test_a_win_naming_a_bet_whose_rollback_closed_the_round_does_not_exist(hub88, tx, player):
    bet = tx("bet", amount=300_000)
    hub88.post("transaction/bet", bet)
    hub88.post(
        "transaction/rollback", tx("rollback", round_closed=True, reference_transaction_uuid=bet["transaction_uuid"])
    )

    answer = hub88.post("transaction/win", tx("win", reference_transaction_uuid=bet["transaction_uuid"]))

    assert answer["status"] == DOES_NOT_EXIST
    assert answer["balance"] == EUR_100
    assert balance_of(player) == 10_000


# --- Zero bets ----------------------------------------------------------------------------------
# Hub88's bet amount is an integer >= 0 and its own flows send zero bets (the bet it makes up
# before a supplier-promo win), so a zero bet is accepted; it stakes nothing, so it pays no cash win.


def test_a_zero_bet_is_accepted_and_debits_nothing(hub88, tx, player):
    answer = hub88.post("transaction/bet", tx("bet", amount=0))

    assert answer["status"] == "RS_OK"
    assert answer["balance"] == EUR_100


def test_a_cash_win_naming_a_zero_bet_is_refused(hub88, tx, player):
    bet = tx("bet", amount=0)
    hub88.post("transaction/bet", bet)

    answer = hub88.post(
        "transaction/win", tx("win", amount=5_000_000, reference_transaction_uuid=bet["transaction_uuid"])
    )

    assert answer["status"] == DOES_NOT_EXIST
    assert balance_of(player) == 10_000


def test_a_cash_win_without_a_reference_in_the_round_of_a_zero_bet_is_refused(hub88, tx, player):
    hub88.post("transaction/bet", tx("bet", amount=0, round="zero-round"))

    answer = hub88.post("transaction/win", tx("win", amount=5_000_000, round="zero-round"))

    assert answer["status"] == DOES_NOT_EXIST
    assert balance_of(player) == 10_000


def test_a_supplier_promo_win_after_its_zero_bet_is_credited(hub88, tx, player):
    bet = tx("bet", amount=0, is_supplier_promo=True)
    hub88.post("transaction/bet", bet)

    answer = hub88.post(
        "transaction/win",
        tx("win", amount=500_000, is_supplier_promo=True, reference_transaction_uuid=bet["transaction_uuid"]),
    )

    assert answer["status"] == "RS_OK"
    assert balance_of(player) == 10_000 + 500


# --- Refusals Hub88 must not resend forever -----------------------------------------------------


def test_only_temporary_failures_answer_the_generic_status():
    generic = {code for code in WALLET_CODES if hub88_api.WALLET_STATUS[code] == "RS_ERROR_UNKNOWN"}

    # A stale FX rate is temporary too (not remembered): once the rate is back, a resend is paid.
    assert generic == {ErrorCode.RETRY, ErrorCode.RATE_LIMITED, ErrorCode.FX_RATE_STALE}


def test_a_rollback_of_a_win_is_a_final_refusal(hub88, tx, player):
    bet = tx("bet")
    hub88.post("transaction/bet", bet)
    win = tx("win", amount=200_000, reference_transaction_uuid=bet["transaction_uuid"])
    hub88.post("transaction/win", win)

    answer = hub88.post("transaction/rollback", tx("rollback", reference_transaction_uuid=win["transaction_uuid"]))

    assert answer["status"] == DOES_NOT_EXIST
    assert balance_of(player) == 10_000 + 100


def test_a_rollback_of_a_bet_whose_round_is_closed_is_a_final_refusal(hub88, tx, player):
    bet = tx("bet", round_closed=True)  # a losing spin, settled at once
    hub88.post("transaction/bet", bet)

    answer = hub88.post("transaction/rollback", tx("rollback", reference_transaction_uuid=bet["transaction_uuid"]))

    assert answer["status"] == DOES_NOT_EXIST
    assert balance_of(player) == 10_000 - 100


def test_a_bet_in_a_closed_round_is_refused_with_a_specific_status(hub88, tx, player):
    hub88.post("transaction/bet", tx("bet", round_closed=True))

    answer = hub88.post("transaction/bet", tx("bet"))

    assert answer["status"] == DOES_NOT_EXIST
    assert balance_of(player) == 10_000 - 100


# --- Blank ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["   ", "\t", " \n "])
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("transaction/bet", "transaction_uuid"),
        ("transaction/bet", "round"),
        ("transaction/bet", "token"),
        ("transaction/bet", "user"),
        ("transaction/win", "reference_transaction_uuid"),
        ("transaction/rollback", "reference_transaction_uuid"),
        ("user/balance", "token"),
        ("user/info", "user"),
    ],
)
def test_an_id_of_only_whitespace_is_wrong_syntax_and_moves_nothing(hub88, tx, player, path, field, blank):
    body = tx(path.split("/")[1] if path.startswith("transaction/") else "info", **{field: blank})
    if path == "transaction/rollback":
        body.setdefault("reference_transaction_uuid", "bet-1")

    answer = hub88.post(path, body)

    assert answer["status"] == "RS_ERROR_WRONG_SYNTAX"
    assert balance_of(player) == 10_000
    assert not AggregatorTransaction.objects.exists()


def test_an_empty_round_still_means_no_round(hub88, tx, player):
    assert hub88.post("transaction/bet", tx("bet", round=""))["status"] == "RS_OK"
    assert balance_of(player) == 10_000 - 100


# --- A free bet rolled back ---------------------------------------------------------------------


def test_a_free_bet_once_rolled_back_pays_no_win_and_a_second_rollback_moves_nothing(hub88, tx, player):
    # given a free bet (it debits nothing) and its rollback (which refunds nothing)
    free_bet = tx("bet", is_free=True, amount=500_000, round="free-round")
    hub88.post("transaction/bet", free_bet)
    first = hub88.post("transaction/rollback", tx("rollback", reference_transaction_uuid=free_bet["transaction_uuid"]))

    # when a free win names it, and a second rollback under a new id follows
    win = hub88.post(
        "transaction/win",
        tx("win", is_free=True, amount=300_000, reference_transaction_uuid=free_bet["transaction_uuid"]),
    )
    second = hub88.post("transaction/rollback", tx("rollback", reference_transaction_uuid=free_bet["transaction_uuid"]))

    # then the win is refused as final, and the second rollback is answered, not retried forever
    assert first["status"] == "RS_OK"
    assert win["status"] == DOES_NOT_EXIST
    assert second["status"] == "RS_OK"
    assert balance_of(player) == 10_000
    assert wins_credited() == 0

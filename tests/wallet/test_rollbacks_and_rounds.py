"""Native protocol v1: the rollback and round rules of docs/native-protocol.md (sections 7, 8),
as the aggregator sees them in our answers and as staff see them in balances and the ledger."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casino.models import Mode, Player
from games.services import session_open
from tests.conftest import balance_of, make_player
from wallet.models import AggregatorTransaction, GameRound, LedgerTransaction


def ledger_count(kind: str | None = None, mode: str = Mode.REAL) -> int:
    rows = LedgerTransaction.objects.filter(mode=mode)
    return rows.filter(kind=kind).count() if kind else rows.exclude(kind="deposit").count()


def expire(session) -> None:
    session.expires_at = timezone.now() - timedelta(seconds=1)
    session.save()


def code_of(response) -> str:
    return response.json().get("code", "OK")


# --- Rollback of a bet ---------------------------------------------------------------------


def test_a_rollback_refunds_the_bet(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=250))

    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    assert response.status_code == 200
    assert response.json()["balance"] == 10_000
    assert response.json()["transaction_id"] == "rb-1"
    assert balance_of(player) == 10_000
    assert ledger_count("rollback") == 1


def test_a_rollback_may_carry_the_bets_amount(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=250))

    response = native.post(
        "rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1", amount=250)
    )

    assert response.status_code == 200
    assert balance_of(player) == 10_000


def test_a_rollback_sent_twice_is_a_resend_and_refunds_once(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=250))
    body = call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1")
    first = native.post("rollback", body)

    resend = native.post("rollback", body)

    assert resend.status_code == 200
    assert resend.content == first.content
    assert balance_of(player) == 10_000
    assert ledger_count("rollback") == 1


def test_a_second_rollback_of_the_same_bet_under_another_id_answers_ok_and_moves_nothing(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=250))
    native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    response = native.post("rollback", call("rollback", transaction_id="rb-2", rollback_transaction_id="bet-1"))

    assert response.status_code == 200
    assert response.json()["balance"] == 10_000
    assert balance_of(player) == 10_000
    assert ledger_count("rollback") == 1


def test_a_rollback_with_another_amount_than_the_bets_is_a_validation_error_and_refunds_nothing(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=250))

    response = native.post(
        "rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1", amount=100)
    )

    assert response.status_code == 400
    assert code_of(response) == "VALIDATION_ERROR"
    assert response.json()["balance"] == 9_750
    assert balance_of(player) == 9_750


def test_a_rollback_refused_for_its_amount_is_not_remembered(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=250))
    body = call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1")
    native.post("rollback", {**body, "amount": 100})

    response = native.post("rollback", {**body, "amount": 250})

    assert response.status_code == 200
    assert balance_of(player) == 10_000


def test_a_rollback_naming_a_win_is_already_settled_and_the_win_stays(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("win", call("win", transaction_id="win-1", amount=400))

    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="win-1"))

    assert response.status_code == 422
    assert code_of(response) == "TRANSACTION_ALREADY_SETTLED"
    assert balance_of(player) == 10_300


def test_a_rollback_naming_another_rollback_is_already_settled(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    response = native.post("rollback", call("rollback", transaction_id="rb-2", rollback_transaction_id="rb-1"))

    assert response.status_code == 422
    assert code_of(response) == "TRANSACTION_ALREADY_SETTLED"
    assert balance_of(player) == 10_000


def test_a_rollback_of_a_bet_whose_round_is_closed_is_already_settled(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("win", call("win", transaction_id="win-1", amount=0, round_closed=True))

    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    assert response.status_code == 422
    assert code_of(response) == "TRANSACTION_ALREADY_SETTLED"
    assert response.json()["balance"] == 9_900
    assert balance_of(player) == 9_900


def test_a_bet_in_a_round_still_open_can_be_rolled_back_after_a_win(native, call, player):
    # Settled means "its round is closed": until then the aggregator may still cancel the bet.
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("win", call("win", transaction_id="win-1", amount=300))

    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    assert response.status_code == 200
    assert balance_of(player) == 10_300


def test_a_rollback_of_a_losing_spin_settled_at_once_is_already_settled(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100, round_closed=True))

    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    assert code_of(response) == "TRANSACTION_ALREADY_SETTLED"
    assert balance_of(player) == 9_900


def test_a_rollback_of_a_refused_bet_answers_ok_and_moves_nothing(native, call, player):
    refused = native.post("bet", call("bet", transaction_id="bet-1", amount=50_000))
    assert refused.status_code == 402

    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    assert response.status_code == 200
    assert response.json()["balance"] == 10_000
    assert balance_of(player) == 10_000
    assert ledger_count() == 0


def test_a_rollback_of_another_players_bet_is_a_validation_error(native, call, aggregator, player):
    other = make_player("player-2")
    theirs = session_open(player=other, aggregator=aggregator, game_code="book-of-tests", currency="EUR")
    native.post(
        "bet", call("bet", transaction_id="bet-2", amount=100, player_id="player-2", session_token=theirs.token)
    )

    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-2"))

    assert response.status_code == 400
    assert code_of(response) == "VALIDATION_ERROR"
    assert response.json()["balance"] == 10_000
    assert (balance_of(player), balance_of(other)) == (10_000, 9_900)


def test_a_rollback_of_another_players_win_is_a_validation_error_that_tells_nothing_of_it(
    native, call, aggregator, player
):
    other = make_player("player-2")
    theirs = session_open(player=other, aggregator=aggregator, game_code="book-of-tests", currency="EUR")
    their_call = {"player_id": "player-2", "session_token": theirs.token, "round_id": "their-round"}
    native.post("bet", call("bet", transaction_id="bet-2", amount=100, **their_call))
    native.post("win", call("win", transaction_id="win-2", amount=300, **their_call))

    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="win-2"))

    assert response.status_code == 400
    assert code_of(response) == "VALIDATION_ERROR"
    assert (balance_of(player), balance_of(other)) == (10_000, 10_200)


# --- Rollback before (or instead of) its bet -----------------------------------------------------


def test_a_rollback_of_a_bet_never_seen_answers_ok_and_moves_nothing(native, call, player):
    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    assert response.status_code == 200
    assert response.json()["balance"] == 10_000
    assert balance_of(player) == 10_000
    assert ledger_count() == 0


def test_a_rollback_of_a_bet_never_seen_is_remembered_and_its_resend_gets_the_same_answer(native, call, player):
    body = call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1")
    first = native.post("rollback", body)
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    resend = native.post("rollback", body)

    assert resend.content == first.content
    assert balance_of(player) == 10_000


def test_a_bet_arriving_after_its_rollback_is_refused_and_moves_nothing(native, call, player):
    native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    late = native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    resend = native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    assert late.status_code == 422
    assert code_of(late) == "TRANSACTION_ROLLED_BACK"
    assert late.json()["balance"] == 10_000
    assert resend.content == late.content
    assert balance_of(player) == 10_000
    assert ledger_count() == 0


def test_a_win_in_the_round_of_a_bet_rolled_back_before_it_arrived_is_refused(native, call, player):
    native.post(
        "rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1", round_id="round-1")
    )
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    response = native.post("win", call("win", transaction_id="win-1", amount=500))

    assert code_of(response) == "TRANSACTION_ROLLED_BACK"
    assert balance_of(player) == 10_000


# --- Wins and rounds -----------------------------------------------------------------------------


def test_a_win_after_its_rounds_bet_was_rolled_back_is_refused(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    response = native.post("win", call("win", transaction_id="win-1", amount=500))

    assert response.status_code == 422
    assert code_of(response) == "TRANSACTION_ROLLED_BACK"
    assert response.json()["balance"] == 10_000
    assert balance_of(player) == 10_000


def test_a_win_is_credited_when_another_bet_of_its_round_is_still_live(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("bet", call("bet", transaction_id="bet-2", amount=100))
    native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    response = native.post("win", call("win", transaction_id="win-1", amount=500))

    assert response.status_code == 200
    assert balance_of(player) == 10_400


def test_a_cash_win_in_a_round_without_a_bet_is_transaction_not_found(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100, round_id="round-1"))

    response = native.post("win", call("win", transaction_id="win-1", amount=500, round_id="round-2"))

    assert response.status_code == 422
    assert code_of(response) == "TRANSACTION_NOT_FOUND"
    assert balance_of(player) == 9_900


@pytest.mark.parametrize("spin_type", ["free", "promo", "tournament"])
def test_a_win_without_a_bet_is_credited_for_spins_the_player_did_not_pay(native, call, player, spin_type):
    response = native.post("win", call("win", transaction_id="win-1", amount=500, spin_type=spin_type))

    assert response.status_code == 200
    assert response.json()["balance"] == 10_500
    assert balance_of(player) == 10_500


def test_a_win_is_credited_after_its_bet(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    response = native.post("win", call("win", transaction_id="win-1", amount=500))

    assert response.status_code == 200
    assert response.json()["balance"] == 10_400
    assert ledger_count("win") == 1


def test_a_losing_spin_closes_its_round_with_the_bet(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100, round_closed=True))

    bet = native.post("bet", call("bet", transaction_id="bet-2", amount=100))
    win = native.post("win", call("win", transaction_id="win-1", amount=500))

    assert (code_of(bet), code_of(win)) == ("ROUND_CLOSED", "ROUND_CLOSED")
    assert (bet.status_code, win.status_code) == (422, 422)
    assert balance_of(player) == 9_900


def test_a_win_closing_its_round_refuses_later_money_in_it(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("win", call("win", transaction_id="win-1", amount=300, round_closed=True))

    bet = native.post("bet", call("bet", transaction_id="bet-2", amount=100))
    win = native.post("win", call("win", transaction_id="win-2", amount=300))
    free_win = native.post("win", call("win", transaction_id="win-3", amount=300, spin_type="free"))

    assert [code_of(r) for r in (bet, win, free_win)] == ["ROUND_CLOSED"] * 3
    assert balance_of(player) == 10_200


def test_a_closed_round_does_not_stop_a_new_round(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100, round_closed=True))

    response = native.post("bet", call("bet", transaction_id="bet-2", amount=100, round_id="round-2"))

    assert response.status_code == 200
    assert balance_of(player) == 9_800


def test_a_round_shows_staff_what_was_bet_and_won(native, call):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("win", call("win", transaction_id="win-1", amount=300, round_closed=True))

    round_ = GameRound.objects.get(external_id="round-1")

    assert (round_.status, round_.bet_total, round_.win_total) == ("closed", 100, 300)
    assert round_.closed_at is not None


def test_a_bet_in_another_players_round_is_a_validation_error(native, call, aggregator, player):
    other = make_player("player-2")
    theirs = session_open(player=other, aggregator=aggregator, game_code="book-of-tests", currency="EUR")
    native.post(
        "bet", call("bet", transaction_id="bet-2", amount=100, player_id="player-2", session_token=theirs.token)
    )

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    assert response.status_code == 400
    assert code_of(response) == "VALIDATION_ERROR"
    assert response.json()["balance"] == 10_000
    assert balance_of(player) == 10_000


# --- Session expiry ------------------------------------------------------------------------------


def test_after_the_session_expired_wins_and_rollbacks_are_accepted_and_bets_are_not(native, call, session, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100, round_id="round-1"))
    native.post("bet", call("bet", transaction_id="bet-2", amount=200, round_id="round-2"))
    expire(session)

    win = native.post("win", call("win", transaction_id="win-1", amount=500, round_id="round-1"))
    rollback = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-2"))
    bet = native.post("bet", call("bet", transaction_id="bet-3", amount=100, round_id="round-3"))

    assert (win.status_code, rollback.status_code) == (200, 200)
    assert bet.status_code == 403 and code_of(bet) == "SESSION_EXPIRED"
    assert balance_of(player) == 10_400


def test_a_bet_accepted_in_time_is_answered_the_same_when_resent_after_expiry(native, call, session, player):
    body = call("bet", transaction_id="bet-1", amount=100)
    first = native.post("bet", body)
    expire(session)

    resend = native.post("bet", body)

    assert resend.status_code == 200
    assert resend.content == first.content
    assert balance_of(player) == 9_900


def test_a_player_blocked_mid_round_still_gets_wins_and_rollbacks(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100, round_id="round-1"))
    native.post("bet", call("bet", transaction_id="bet-2", amount=200, round_id="round-2"))
    Player.objects.filter(pk=player.pk).update(status=Player.Status.BLOCKED)

    win = native.post("win", call("win", transaction_id="win-1", amount=500, round_id="round-1"))
    rollback = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-2"))
    bet = native.post("bet", call("bet", transaction_id="bet-3", amount=100, round_id="round-3"))

    assert (win.status_code, rollback.status_code, bet.status_code) == (200, 200, 403)
    assert balance_of(player) == 10_400


# --- Demo sessions -------------------------------------------------------------------------------


@pytest.fixture
def demo_call(aggregator, player):
    demo = session_open(player=player, aggregator=aggregator, game_code="book-of-tests", currency="EUR", mode="demo")

    def build(kind: str, **fields) -> dict:
        body = {"player_id": player.external_id, "session_token": demo.token, "currency": "EUR"}
        if kind in ("bet", "win"):
            body.update(round_id="demo-round-1", game_id="book-of-tests")
        return {**body, **fields}

    return build


def test_demo_play_moves_play_money_only(native, demo_call, player):
    real_before = balance_of(player)
    demo_before = balance_of(player, mode=Mode.DEMO)
    real_ledger_before = LedgerTransaction.objects.filter(mode=Mode.REAL).count()

    bet = native.post("bet", demo_call("bet", transaction_id="demo-bet-1", amount=50_000))
    win = native.post("win", demo_call("win", transaction_id="demo-win-1", amount=20_000))
    native.post("bet", demo_call("bet", transaction_id="demo-bet-2", amount=1_000, round_id="demo-round-2"))
    native.post("rollback", demo_call("rollback", transaction_id="demo-rb-1", rollback_transaction_id="demo-bet-2"))

    assert real_before == 10_000 and demo_before > real_before + 50_000
    assert (bet.status_code, win.status_code) == (200, 200)
    assert win.json()["balance"] == demo_before - 30_000
    assert balance_of(player, mode=Mode.DEMO) == demo_before - 30_000
    assert balance_of(player) == real_before
    assert LedgerTransaction.objects.filter(mode=Mode.REAL).count() == real_ledger_before


def test_demo_play_is_flagged_demo_in_the_ledger_and_the_call_records(native, demo_call):
    native.post("bet", demo_call("bet", transaction_id="demo-bet-1", amount=100))

    assert LedgerTransaction.objects.get(kind="bet").mode == Mode.DEMO
    assert AggregatorTransaction.objects.get(external_id="demo-bet-1").mode == Mode.DEMO


def test_a_demo_bet_above_the_play_balance_is_refused_and_touches_no_real_money(native, demo_call, player):
    demo_balance = balance_of(player, mode=Mode.DEMO)

    response = native.post("bet", demo_call("bet", transaction_id="demo-bet-1", amount=demo_balance + 1))

    assert response.status_code == 402
    assert response.json()["balance"] == demo_balance
    assert balance_of(player) == 10_000


def test_a_demo_rollback_cannot_refund_a_real_bet(native, call, demo_call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    demo_before = balance_of(player, mode=Mode.DEMO)

    response = native.post(
        "rollback", demo_call("rollback", transaction_id="demo-rb-1", rollback_transaction_id="bet-1")
    )

    assert response.status_code == 400
    assert balance_of(player) == 9_900
    assert balance_of(player, mode=Mode.DEMO) == demo_before


def test_a_demo_win_cannot_land_in_a_real_round(native, call, demo_call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100, round_id="round-1"))

    response = native.post("win", demo_call("win", transaction_id="demo-win-1", amount=500, round_id="round-1"))

    assert response.status_code == 400
    assert balance_of(player) == 9_900


# --- wallet_transaction_id ----------------------------------------------------------------------


def test_every_ok_money_answer_carries_a_wallet_transaction_id(native, call, player):
    answers = [
        native.post("bet", call("bet", transaction_id="bet-1", amount=100)),
        native.post("win", call("win", transaction_id="win-0", amount=0)),
        native.post("win", call("win", transaction_id="win-1", amount=300)),
        native.post("bet", call("bet", transaction_id="bet-2", amount=100, round_id="round-2")),
        native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-2")),
        native.post("rollback", call("rollback", transaction_id="rb-2", rollback_transaction_id="bet-2")),
        native.post("rollback", call("rollback", transaction_id="rb-3", rollback_transaction_id="never-seen")),
        native.post("win", call("win", transaction_id="win-2", amount=50, spin_type="free", round_id="round-3")),
    ]

    assert [a.status_code for a in answers] == [200] * len(answers)
    ids = [a.json()["wallet_transaction_id"] for a in answers]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == len(ids)
    assert set(answers[0].json()) == {"status", "balance", "currency", "transaction_id", "wallet_transaction_id"}

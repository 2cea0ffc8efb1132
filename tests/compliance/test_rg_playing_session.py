"""The player's playing session (casino/playing.py): relaunching does not restart the
session-time clock, a break does; the limit holds at bet and at launch; the front end reads how
long the player has played and the net result since (compliance/api/playing.py).

Time is moved by moving the sessions' created_at (and play_started_at) back, never by sleeping.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from casino.models import GameSession, Mode
from casino.playing import play_start_after
from compliance.models import RgEvent
from compliance.rg.limits import rg_limit_set
from games.models import Game
from games.services import session_open
from tests.compliance.conftest import AUTH
from wallet.models import Wallet
from wallet.services import wallet_deposit

T0 = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
GAP = timedelta(minutes=30)


def open_session(player, aggregator, *, mode=Mode.REAL) -> GameSession:
    return session_open(player=player, aggregator=aggregator, game_code="book-of-tests", currency="EUR", mode=mode)


def move_back(player, minutes: int, **only) -> None:
    """As if `minutes` had passed: every session of the player opened (and its playing session
    begun) that much earlier."""
    ago = timedelta(minutes=minutes)
    GameSession.objects.filter(player=player, **only).update(
        created_at=F("created_at") - ago, play_started_at=F("play_started_at") - ago
    )


def bet_body(session: GameSession, transaction_id: str, amount: int, **fields) -> dict:
    return {
        "player_id": session.player.external_id,
        "session_token": session.token,
        "currency": "EUR",
        "round_id": "round-1",
        "game_id": "book-of-tests",
        "transaction_id": transaction_id,
        "amount": amount,
        **fields,
    }


def launch(client, *, player_id="alice"):
    game = Game.objects.get(external_id="sbx-0001")
    body = dict(player_id=player_id, game_id=str(game.pk), currency="EUR", mode="real", country="MT", language="en")
    return client.post("/api/v1/launch", body, content_type="application/json", headers=AUTH)


# --- The rule, pure --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous_opened", "expected"),
    [
        (None, None),  # the player's first session: a new playing session
        (T0 - timedelta(minutes=10), T0 - timedelta(hours=1)),  # a relaunch joins the sitting
        (T0 - GAP, T0 - timedelta(hours=1)),  # exactly the break: still the same sitting
        (T0 - GAP - timedelta(seconds=1), None),  # a second longer: a new one
    ],
)
def test_a_session_joins_the_playing_session_of_one_opened_within_the_break(previous_opened, expected):
    started = T0 - timedelta(hours=1) if previous_opened is not None else None

    assert (
        play_start_after(previous_created_at=previous_opened, previous_play_started_at=started, at=T0, gap=GAP)
        == expected
    )


# --- Relaunching does not reset the clock ------------------------------------------------------------


def test_two_launches_ten_minutes_apart_share_the_playing_session(alice, aggregator):
    # given a game launched 10 minutes ago
    first = open_session(alice, aggregator)
    move_back(alice, 10)
    first.refresh_from_db()

    # when the player launches another game
    second = open_session(alice, aggregator)

    # then it continues the same playing session
    assert second.play_started_at == first.play_started_at
    assert first.play_started_at <= first.created_at < second.created_at - timedelta(minutes=9)


def test_a_launch_after_a_31_minute_break_starts_a_new_playing_session(alice, aggregator):
    # given a game launched 31 minutes ago, as part of a sitting begun an hour ago
    open_session(alice, aggregator)
    move_back(alice, 31)
    GameSession.objects.filter(player=alice).update(play_started_at=F("play_started_at") - timedelta(minutes=29))

    # when the player launches again
    before = timezone.now()
    second = open_session(alice, aggregator)

    # then a new playing session begins with it
    assert before <= second.play_started_at <= second.created_at


def test_playing_on_in_one_session_past_the_break_then_relaunching_keeps_the_sitting(native, player, aggregator):
    # given a game launched 40 minutes ago (longer than the break) and played in until now
    first = open_session(player, aggregator)
    move_back(player, 40)
    first.refresh_from_db()
    assert native.post("bet", bet_body(first, "b-1", 100)).status_code == 200

    # when the player relaunches
    relaunched = open_session(player, aggregator)

    # then the relaunch joins the sitting: the break counts from the last bet, not the last launch
    assert relaunched.play_started_at == first.play_started_at


# --- The limit at bet and at launch -----------------------------------------------------------------


def test_a_bet_on_a_relaunched_session_after_the_limit_is_refused(native, player, aggregator):
    # given a 30-minute session-time limit, a game launched 25 minutes ago and a relaunch now
    rg_limit_set(player=player, kind="session_time", amount=30)
    open_session(player, aggregator)
    move_back(player, 25)
    relaunched = open_session(player, aggregator)
    assert native.post("bet", bet_body(relaunched, "b-1", 100)).status_code == 200

    # when 6 more minutes pass (the relaunched session itself is only 6 minutes old)
    move_back(player, 6)
    response = native.post("bet", bet_body(relaunched, "b-2", 100))

    # then the bet is refused: the playing session has lasted 31 minutes
    assert response.status_code == 403
    assert response.json()["code"] == "RG_BLOCKED" and response.json()["rg_reason"] == "SESSION_TIME"


def test_a_launch_over_the_session_time_limit_is_refused(client, synced, alice):
    # given a 30-minute limit and a sitting begun 45 minutes ago, its latest game opened 20 ago
    rg_limit_set(player=alice, kind="session_time", amount=30)
    assert launch(client).status_code == 201
    GameSession.objects.filter(player=alice).update(
        created_at=timezone.now() - timedelta(minutes=20), play_started_at=timezone.now() - timedelta(minutes=45)
    )

    # when the front end launches another game
    response = launch(client)

    # then it is refused with the reason, recorded, and no session is opened
    assert response.status_code == 403
    assert response.json()["code"] == "RG_BLOCKED" and response.json()["rg_reason"] == "SESSION_TIME"
    assert RgEvent.objects.filter(player=alice, kind="launch_refused", reason="SESSION_TIME").count() == 1
    assert GameSession.objects.filter(player=alice).count() == 1


def test_a_launch_after_a_break_is_allowed_again(client, synced, alice):
    rg_limit_set(player=alice, kind="session_time", amount=30)
    assert launch(client).status_code == 201
    GameSession.objects.filter(player=alice).update(
        created_at=timezone.now() - timedelta(minutes=31), play_started_at=timezone.now() - timedelta(minutes=90)
    )

    assert launch(client).status_code == 201


# --- The front end's view ---------------------------------------------------------------------------


def session_url(player_id: str) -> str:
    return f"/api/v1/players/{player_id}/rg/session"


def test_the_api_tells_how_long_the_player_has_played_and_the_net_result_of_real_play(
    client, native, alice, aggregator
):
    # given limits, a real game begun 10 minutes ago with a bet of 3.00 and a win of 1.20,
    rg_limit_set(player=alice, kind="session_time", amount=60)
    rg_limit_set(player=alice, kind="reality_check", amount=15)
    real = open_session(alice, aggregator)
    assert native.post("bet", bet_body(real, "b-1", 300)).status_code == 200
    assert native.post("win", bet_body(real, "w-1", 120, round_closed=True)).status_code == 200
    # a demo game with a bet of 5.00 and a staff deposit (neither is a result of real play)
    demo = open_session(alice, aggregator, mode=Mode.DEMO)
    assert native.post("bet", bet_body(demo, "d-1", 500, round_id="demo-1")).status_code == 200
    wallet_deposit(wallet_id=Wallet.objects.get(player=alice, currency_id="EUR", mode="real").pk, amount=1_000)
    move_back(alice, 10)

    # when the front end asks
    response = client.get(session_url("alice"), headers=AUTH)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["playing"] is True
    assert (
        datetime.fromisoformat(body["play_started_at"])
        == GameSession.objects.filter(player=alice).latest("created_at").play_started_at
    )
    assert 600 <= body["played_seconds"] < 630
    assert body["net_result"] == [{"currency": "EUR", "amount": -180}]
    assert body["session_time_limit_seconds"] == 3600
    assert body["reality_check_seconds"] == 900


def test_the_api_answers_not_playing_after_a_break_and_404_for_an_unknown_player(client, alice, aggregator):
    open_session(alice, aggregator)
    move_back(alice, 31)

    assert client.get(session_url("alice"), headers=AUTH).json() == {"playing": False}
    assert client.get(session_url("nobody"), headers=AUTH).status_code == 404
    assert client.get(session_url("alice")).status_code == 401


def test_a_player_without_limits_reads_null_limits_and_no_result_before_any_bet(client, alice, aggregator):
    open_session(alice, aggregator)

    body = client.get(session_url("alice"), headers=AUTH).json()

    assert body["playing"] is True and body["net_result"] == []
    assert body["session_time_limit_seconds"] is None and body["reality_check_seconds"] is None

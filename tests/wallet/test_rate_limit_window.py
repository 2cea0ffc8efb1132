"""An aggregator's rate limit is one window for all our web processes: the count lives in
Redis, so calls answered by different processes add up (wallet/api/auth.py)."""

import time

import pytest
from django.core.cache import cache

from games.services import session_open
from tests.conftest import make_player
from tests.reliability.support import running_server

# The gunicorn process reads what this test commits, and the seeded currencies must survive.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait_for_a_fresh_minute_if_this_one_is_ending() -> None:
    # The window is the wall-clock minute: all three calls must fall inside one.
    seconds_left = 60 - time.time() % 60
    if seconds_left < 15:
        time.sleep(seconds_left + 0.1)


def test_calls_answered_by_another_process_count_in_the_same_window(redis_url, aggregator, native):
    # Given an aggregator allowed 2 calls a minute, and a server process beside this one
    player = make_player("window-1")
    session = session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR", ttl_seconds=600)
    aggregator.rate_limit_per_minute = 2
    aggregator.save()
    cache.clear()
    balance = {"player_id": player.external_id, "session_token": session.token, "currency": "EUR"}
    with running_server(workers=1) as server:
        wait_for_a_fresh_minute_if_this_one_is_ending()

        # When one call is answered here and two by the other process
        here = native.post("balance", balance)
        there = [server.post("balance", balance) for _ in range(2)]

    # Then the other process saw the first call: its second call is the third of the minute
    assert here.status_code == 200
    assert [answer.status_code for answer in there] == [200, 429]
    assert there[1].json()["code"] == "RATE_LIMITED"

"""The front-end API under hostile bodies and a cache outage: never a 500."""

import pytest
from django.test import override_settings

from casino.models import GameSession
from games.models import Game
from tests.games.test_api import AUTH, games

# REDIS_URL at a closed port, with the project's own cache options: a real connection refused.
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
}


@pytest.mark.parametrize("levels", [1_500, 2_000])
def test_a_deeply_nested_launch_body_answers_validation_error(client, synced, levels):
    body = b'{"player_id": ' + b"[" * levels + b"]" * levels + b"}"

    response = client.post("/api/v1/launch", body, content_type="application/json", headers=AUTH)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR" and "nested" in response.json()["message"]


def test_a_launch_body_with_a_key_twice_answers_validation_error(client, synced):
    game = Game.objects.get(external_id="sbx-0001")
    body = (
        f'{{"player_id": "alice", "game_id": "{game.pk}", "currency": "EUR", "mode": "demo", "mode": "real",'
        ' "country": "MT", "language": "en"}'
    )

    response = client.post("/api/v1/launch", body, content_type="application/json", headers=AUTH)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR" and "mode" in response.json()["message"]
    assert not GameSession.objects.exists()


def test_with_redis_unreachable_the_games_list_is_answered_from_the_database(client, synced):
    with override_settings(CACHES=REDIS_DOWN):
        listed = games(client)

    assert {g["code"] for g in listed} == {"sbx_game_1", "sbx_game_2", "sbx_game_3"}


def test_with_redis_unreachable_a_catalog_sync_still_succeeds(sync, django_capture_on_commit_callbacks):
    # (its invalidation of the cached lists runs on commit, and finds no cache to invalidate)
    with override_settings(CACHES=REDIS_DOWN), django_capture_on_commit_callbacks(execute=True):
        run = sync()

    assert run.status == "succeeded", run.errors
    assert Game.objects.count() == 3

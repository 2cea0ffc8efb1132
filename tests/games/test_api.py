"""The front-end API: bearer-key auth, the cached games list, launch, and the published schema."""

import pytest
from django.test import override_settings

from casino.models import GameSession, Player
from games.launch import LAUNCH_STATUS
from games.models import Game
from tests.conftest import FRONTEND_KEY, KEY_ID, SECRET, make_player

AUTH = {"Authorization": f"Bearer {FRONTEND_KEY}"}


@pytest.fixture
def alice(db):
    return make_player("alice", deposit=10_000)


def games(client, **query):
    response = client.get("/api/v1/games", query, headers=AUTH)
    assert response.status_code == 200, response.content
    return response.json()["games"]


def post_launch(client, **body):
    return client.post("/api/v1/launch", body, content_type="application/json", headers=AUTH)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": FRONTEND_KEY}, {"X-Aggregator-Key": KEY_ID}],
)
def test_without_a_valid_front_end_key_the_api_answers_401(client, synced, headers):
    listing = client.get("/api/v1/games", headers=headers)
    launching = client.post("/api/v1/launch", {}, content_type="application/json", headers=headers)

    for response in (listing, launching):
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED" and response.json()["status"] == "ERROR"


def test_an_aggregator_secret_is_not_a_front_end_key(client, synced, aggregator):
    response = client.get("/api/v1/games", headers={"Authorization": f"Bearer {SECRET}"})

    assert response.status_code == 401


@override_settings(FRONTEND_API_KEYS=["key-a", "key-b"])
def test_every_configured_key_is_accepted(client, synced):
    assert client.get("/api/v1/games", headers={"Authorization": "Bearer key-b"}).status_code == 200
    assert client.get("/api/v1/games", headers=AUTH).status_code == 401


def test_the_games_list_shows_enabled_games_with_their_internal_ids(client, synced, sandbox):
    Game.objects.filter(external_id="sbx-0002").update(blocked_by_staff=True)

    listed = games(client)

    assert [g["code"] for g in listed] == ["sbx_game_1", "sbx_game_3"]
    first = listed[0]
    assert first == {
        "id": str(Game.objects.get(external_id="sbx-0001").pk),
        "aggregator": "sbx",
        "code": "sbx_game_1",
        "name": "Game 1",
        "provider": "sandbox-studio",
        "provider_name": "Sandbox Studio",
        "category": "slots",
        "rtp": "96.50",
        "demo_supported": True,
    }


def test_the_games_list_filters(client, synced, sync, catalog_server):
    from tests.games.catalog_server import game_json

    catalog_server.games.append(game_json(4, provider="other-studio", countries=("GB",)))
    catalog_server.games[0]["category"] = "table"
    sync()

    assert {g["code"] for g in games(client, demo="false")} == {"sbx_game_3"}
    assert {g["code"] for g in games(client, provider="other-studio")} == {"sbx_game_4"}
    assert {g["code"] for g in games(client, country="gb")} == {"sbx_game_4"}
    assert {g["code"] for g in games(client, category="table")} == {"sbx_game_1"}
    assert games(client, aggregator="nope") == []
    assert len(games(client, aggregator="sbx")) == 4


def test_an_invalid_filter_answers_validation_error(client, synced):
    response = client.get("/api/v1/games", {"demo": "maybe"}, headers=AUTH)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR" and "demo" in response.json()["message"]


def test_the_games_list_is_cached_and_a_sync_invalidates_it_on_commit(
    client, synced, sync, catalog_server, django_capture_on_commit_callbacks
):
    assert {g["code"] for g in games(client)} == {"sbx_game_1", "sbx_game_2", "sbx_game_3"}
    # A change behind the service's back is not seen: the list comes from the cache.
    Game.objects.filter(external_id="sbx-0003").update(name="Changed directly")
    assert "Changed directly" in Game.objects.values_list("name", flat=True)
    assert "Changed directly" not in {g["name"] for g in games(client)}
    catalog_server.rename("sbx-0001", "sbx_game_1_deluxe")
    catalog_server.remove("sbx-0002")

    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        sync()
    assert {g["code"] for g in games(client)} == {"sbx_game_1", "sbx_game_2", "sbx_game_3"}  # not yet committed
    for callback in on_commit:
        callback()

    listed = games(client)
    assert {g["code"] for g in listed} == {"sbx_game_1_deluxe", "sbx_game_3"}
    assert {g["name"] for g in listed} == {"Game 1", "Game 3"}  # the sync also restored the aggregator's name


def test_a_launch_answers_201_with_the_url_token_and_expiry(client, synced, alice):
    game = Game.objects.get(external_id="sbx-0001")

    response = post_launch(
        client, player_id="alice", game_id=str(game.pk), currency="EUR", mode="real", country="MT", language="en"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    session = GameSession.objects.get(token=body["session_token"])
    assert session.launch.game == game and session.mode == "real"
    assert body["mode"] == "real"
    assert f"session_token={body['session_token']}" in body["launch_url"]
    assert body["expires_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"player_id": "nobody"}, 404, "PLAYER_NOT_FOUND"),
        ({"game_id": "00000000-0000-0000-0000-000000000000"}, 404, "GAME_NOT_FOUND"),
        ({"game_id": "not-a-uuid"}, 400, "VALIDATION_ERROR"),
        ({"mode": "fun"}, 400, "VALIDATION_ERROR"),
        ({"country": "Malta"}, 400, "VALIDATION_ERROR"),
        ({"country": "GB"}, 403, "GAME_NOT_CERTIFIED"),
        ({"mode": "demo", "external": "sbx-0003"}, 422, "DEMO_NOT_SUPPORTED"),
    ],
)
def test_launch_refusals_carry_clear_codes(client, synced, alice, change, status, code):
    game = Game.objects.get(external_id=change.pop("external", "sbx-0001"))
    body = dict(player_id="alice", game_id=str(game.pk), currency="EUR", mode="real", country="MT", language="en")
    body.update(change)

    response = post_launch(client, **body)

    assert response.status_code == status, response.content
    assert response.json()["status"] == "ERROR" and response.json()["code"] == code


def test_a_player_who_may_not_play_is_refused_with_the_front_ends_error_body(client, synced, alice):
    # Given a player the wallet would refuse a bet to
    Player.objects.filter(pk=alice.pk).update(status=Player.Status.BLOCKED)
    game = Game.objects.get(external_id="sbx-0001")

    # When the front end launches a game for them
    response = post_launch(
        client, player_id="alice", game_id=str(game.pk), currency="EUR", mode="real", country="MT", language="en"
    )

    # Then the answer is the launch contract's, byte for byte what it always was
    assert (response.status_code, response.json()) == (
        403,
        {"status": "ERROR", "code": "PLAYER_BLOCKED", "message": "the player is blocked"},
    )


def test_a_launch_of_an_uncertified_game_answers_the_front_ends_error_body(client, synced, alice):
    game = Game.objects.get(external_id="sbx-0001")

    response = post_launch(
        client, player_id="alice", game_id=str(game.pk), currency="EUR", mode="real", country="GB", language="en"
    )

    message = "Game 1 is not certified for GB at its current RTP"
    assert (response.status_code, response.json()) == (
        403,
        {"status": "ERROR", "code": "GAME_NOT_CERTIFIED", "message": message},
    )


def test_a_body_that_is_not_json_answers_validation_error(client, synced):
    response = client.post("/api/v1/launch", "{nope", content_type="application/json", headers=AUTH)

    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"


def test_the_front_end_api_is_in_the_published_schema(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    assert "/api/v1/games" in schema["paths"] and "/api/v1/launch" in schema["paths"]
    assert schema["components"]["securitySchemes"]["frontendKey"]["scheme"] == "bearer"


def test_the_schema_lists_every_launch_refusal_under_its_status(client, db):
    responses = client.get("/api/schema/", {"format": "json"}).json()["paths"]["/api/v1/launch"]["post"]["responses"]

    for code, status in LAUNCH_STATUS.items():
        assert code in responses[str(status)]["description"].split(", ")

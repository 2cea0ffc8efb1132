"""The service keeps serving while the catalog changes: threads against the real database and
the aggregator over real HTTP."""

import threading
import time

import pytest
import requests
from django.db import connection

from casino.models import GameSession
from games.launch import launch_create
from games.models import CatalogSyncRun, Game
from games.selectors import game_resolve_code
from tests.conftest import FRONTEND_KEY, NativeClient, balance_of, make_player
from tests.games.conftest import SBX_KEY, SBX_SECRET

# serialized_rollback: the flush between transactional tests must not lose the seeded currencies.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AUTH = {"Authorization": f"Bearer {FRONTEND_KEY}"}


def api_launch(client, game: Game, player: str = "alice") -> dict:
    body = dict(player_id=player, game_id=str(game.pk), currency="EUR", mode="real", country="MT", language="en")
    response = client.post("/api/v1/launch", body, content_type="application/json", headers=AUTH)
    assert response.status_code == 201, response.content
    return response.json()


def in_thread(target, *args):
    result = {}

    def run():
        try:
            result["value"] = target(*args)
        except Exception as exc:  # noqa: BLE001 - handed to the test thread
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_launch_in_flight_survives_a_rename_and_its_url_and_session_stay_valid(client, synced, sync, catalog_server):
    make_player("alice", deposit=10_000)
    game = Game.objects.get(external_id="sbx-0001")
    before = api_launch(client, game)

    # The aggregator renames the game; the sync's catalog request is held open mid-flight.
    catalog_server.rename("sbx-0001", "sbx_game_1_deluxe")
    catalog_server.hold.clear()
    thread, result = in_thread(sync)
    assert catalog_server.catalog_requested.wait(5)

    started = time.monotonic()
    during = api_launch(client, game)  # the fetch holds no lock and no transaction
    assert time.monotonic() - started < 2
    catalog_server.hold.set()
    thread.join(10)

    run = result["value"]
    assert run.status == CatalogSyncRun.Status.SUCCEEDED and run.renamed == 1
    after = api_launch(client, game)
    sessions = [GameSession.objects.get(token=launch["session_token"]) for launch in (before, during, after)]
    assert [s.launch.game_id for s in sessions] == [game.pk] * 3  # history points at the internal id
    assert [s.game_code for s in sessions] == ["sbx_game_1", "sbx_game_1", "sbx_game_1_deluxe"]
    assert "game=sbx_game_1_deluxe" in after["launch_url"]
    for launch in (before, during, after):
        assert requests.get(launch["launch_url"], timeout=5).status_code == 200  # the aggregator accepts all three
    assert game_resolve_code(aggregator=game.aggregator, code="sbx_game_1") == game

    # The session launched before the rename still plays, with the code it was launched with.
    wallet = NativeClient(client, key_id=SBX_KEY, secret=SBX_SECRET)
    bet = wallet.post(
        "bet",
        {
            "player_id": "alice",
            "session_token": before["session_token"],
            "currency": "EUR",
            "transaction_id": "bet-before-rename",
            "round_id": "r-1",
            "game_id": "sbx_game_1",
            "amount": 100,
        },
    )
    assert bet.status_code == 200, bet.content
    assert balance_of(sessions[0].player) == 9_900


def test_launches_keep_succeeding_while_syncs_rename_add_and_remove_games(synced, sync, catalog_server):
    player = make_player("alice", deposit=10_000)
    game = Game.objects.get(external_id="sbx-0001")
    stop = threading.Event()
    outcomes = []

    def launch_continuously():
        while not stop.is_set():
            try:
                launch = launch_create(
                    player_id=player.external_id,
                    game_id=str(game.pk),
                    currency="EUR",
                    mode="real",
                    country="MT",
                    language="en",
                )
                outcomes.append(launch.session.game_code)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                outcomes.append(exc)

    launcher, _ = in_thread(launch_continuously)
    try:
        for n in range(6):
            catalog_server.rename("sbx-0001", f"sbx_game_1_v{n}")
            if n % 2:
                catalog_server.remove("sbx-0002")
            else:
                from tests.games.catalog_server import game_json

                if not any(g["id"] == "sbx-0002" for g in catalog_server.games):
                    catalog_server.games.append(game_json(2))
            run = sync()
            assert run.status == CatalogSyncRun.Status.SUCCEEDED, run.errors
    finally:
        stop.set()
        launcher.join(10)

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert not errors, errors[:3]
    assert len(outcomes) > 0
    assert set(outcomes) <= {"sbx_game_1"} | {f"sbx_game_1_v{n}" for n in range(6)}
    assert set(GameSession.objects.values_list("launch__game_id", flat=True)) == {game.pk}
    assert Game.objects.get(pk=game.pk).code == "sbx_game_1_v5"


def test_two_syncs_at_once_apply_the_list_once(sandbox, sync, catalog_server):
    catalog_server.hold.clear()
    first, first_result = in_thread(sync)
    second, second_result = in_thread(sync)
    time.sleep(0.2)
    catalog_server.hold.set()
    first.join(10)
    second.join(10)

    runs = [first_result["value"], second_result["value"]]
    assert [r.status for r in runs] == [CatalogSyncRun.Status.SUCCEEDED] * 2
    assert sorted(r.added for r in runs) == [0, 3]
    assert Game.objects.count() == 3

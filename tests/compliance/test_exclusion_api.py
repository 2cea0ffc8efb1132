"""The front end's cool-off and self-exclusion API, and the launch and bet refusals that follow,
through the RG provider seam (casino/responsible_gaming.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casino import responsible_gaming
from compliance.models import RgEvent
from compliance.rg.limits import rg_limit_set
from games.models import Game
from games.services import session_open
from tests.compliance.conftest import AUTH
from wallet.selectors import session_wallet


def url(player_id: str, kind: str) -> str:
    return f"/api/v1/players/{player_id}/rg/{kind}"


def launch(client, *, player_id="alice", mode="real"):
    game = Game.objects.get(external_id="sbx-0001")
    body = dict(player_id=player_id, game_id=str(game.pk), currency="EUR", mode=mode, country="MT", language="en")
    return client.post("/api/v1/launch", body, content_type="application/json", headers=AUTH)


def test_the_player_starts_and_reads_a_cool_off(client, alice):
    before = client.get(url("alice", "cool-off"), headers=AUTH)

    started = client.post(url("alice", "cool-off"), {"days": 7}, content_type="application/json", headers=AUTH)
    read = client.get(url("alice", "cool-off"), headers=AUTH)

    assert before.json() == {"in_force": False, "kind": "cool_off", "term": None, "starts_at": None, "ends_at": None}
    assert started.status_code == 201, started.content
    assert read.json()["in_force"] is True and read.json()["term"] == "P7D"
    assert read.json() == started.json()
    assert RgEvent.objects.get(player=alice).kind == "cool_off_started"


def test_ending_a_cool_off_early_answers_the_end_after_the_cooling_period(client, alice, settings):
    settings.RG_LOOSEN_DELAY_SECONDS = 3600
    client.post(url("alice", "cool-off"), {"days": 14}, content_type="application/json", headers=AUTH)

    asked_at = timezone.now()
    answer = client.delete(url("alice", "cool-off"), headers=AUTH)

    ends_at = timezone.datetime.fromisoformat(answer.json()["ends_at"])
    assert answer.status_code == 200 and answer.json()["in_force"] is True
    assert asked_at + timedelta(hours=1) <= ends_at < asked_at + timedelta(hours=1, minutes=1)


def test_a_self_exclusion_is_started_and_cannot_be_deleted(client, alice):
    started = client.post(
        url("alice", "self-exclusion"), {"term": "permanent"}, content_type="application/json", headers=AUTH
    )
    deleted = client.delete(url("alice", "self-exclusion"), headers=AUTH)

    assert started.status_code == 201 and started.json()["ends_at"] is None
    assert deleted.status_code == 405
    assert client.get(url("alice", "self-exclusion"), headers=AUTH).json()["in_force"] is True


@pytest.mark.parametrize(
    ("kind", "body", "status"),
    [
        ("cool-off", {"days": 43}, 400),
        ("cool-off", {"days": 0}, 400),
        ("self-exclusion", {"term": "P3M"}, 400),
        ("self-exclusion", {"term": "legacy"}, 400),
    ],
)
def test_a_term_outside_the_offer_is_a_validation_error(client, alice, kind, body, status):
    response = client.post(url("alice", kind), body, content_type="application/json", headers=AUTH)

    assert (response.status_code, response.json()["code"]) == (status, "VALIDATION_ERROR")
    assert not RgEvent.objects.exists()


def test_a_shorter_self_exclusion_than_the_one_in_force_is_a_conflict(client, alice):
    client.post(url("alice", "self-exclusion"), {"term": "P1Y"}, content_type="application/json", headers=AUTH)

    response = client.post(
        url("alice", "self-exclusion"), {"term": "P6M"}, content_type="application/json", headers=AUTH
    )

    assert response.status_code == 409 and "must end later" in response.json()["message"]


def test_an_unknown_player_is_not_found_and_a_missing_key_unauthorized(client, db):
    assert client.get(url("nobody", "cool-off"), headers=AUTH).json()["code"] == "PLAYER_NOT_FOUND"
    assert client.get(url("nobody", "cool-off")).status_code == 401


# --- Enforced at launch and at bet ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body", "reason"),
    [("cool-off", {"days": 1}, "COOL_OFF"), ("self-exclusion", {"term": "P6M"}, "SELF_EXCLUDED")],
)
@pytest.mark.parametrize("mode", ["real", "demo"])
def test_a_launch_is_refused_with_the_rg_reason(client, synced, alice, rg_provider, kind, body, reason, mode):
    # Given a player who may launch, then starts a cool-off or self-exclusion
    assert launch(client, mode=mode).status_code == 201
    client.post(url("alice", kind), body, content_type="application/json", headers=AUTH)

    # When the front end launches a game for them (demo included: kept away from the games)
    response = launch(client, mode=mode)

    # Then 403 RG_BLOCKED with the reason, recorded
    assert response.status_code == 403
    assert (response.json()["code"], response.json()["rg_reason"]) == ("RG_BLOCKED", reason)
    assert RgEvent.objects.filter(player=alice, kind="launch_refused", reason=reason).count() == 1


def test_an_exclusion_started_during_a_game_refuses_the_next_bet_on_the_token_issued_before(
    client, alice, aggregator, rg_provider
):
    # Given a game token issued before the player self-excludes
    session = session_open(player=alice, aggregator=aggregator, game_code="book-of-tests", currency="EUR")
    wallet = session_wallet(session)
    ask = dict(player_id=alice.pk, wallet_id=wallet.pk, currency="EUR")
    assert rg_provider.bet_state(**ask, at=timezone.now()).bet_refusal(amount=100, at=timezone.now()) is None

    # When they self-exclude mid-game, and the aggregator sends the next bet on that token
    client.post(url("alice", "self-exclusion"), {"term": "P6M"}, content_type="application/json", headers=AUTH)
    now = timezone.now()
    state = responsible_gaming.provider().bet_state(**ask, at=now)

    # Then the state the bet reads under the wallet lock refuses it
    assert state.bet_refusal(amount=100, at=now).rg_reason == "SELF_EXCLUDED"


def test_the_launch_answer_carries_the_players_reality_check_interval_when_one_is_set(client, synced, alice):
    without = launch(client)
    rg_limit_set(player=alice, kind="reality_check", amount=30)

    with_check = launch(client)

    assert "reality_check_seconds" not in without.json()
    assert with_check.json()["reality_check_seconds"] == 1800

"""External self-exclusion registers, over real HTTP against the sandbox's fake (Spelpaus's
shape): excluded, not excluded, down or slow (fail closed, or open where so configured), and a
confirmed answer cached in PostgreSQL."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casino.models import Player
from compliance.models import RegisterCheck, RgEvent
from compliance.rg.registers import register_refusal
from games.models import Game
from tests.compliance.conftest import AUTH


@pytest.fixture
def sven(db) -> Player:
    return Player.objects.create(external_id="199001011234", country="SE")


def checks(player) -> list[tuple[str, bool]]:
    rows = RgEvent.objects.filter(player=player, kind="register_checked").order_by("id")
    return [(event.detail["result"], event.detail["cached"]) for event in rows]


def test_a_player_the_register_lists_is_refused(sven, swedish_register):
    register = swedish_register()
    register.excluded.add("199001011234")

    refusal = register_refusal(sven, timezone.now())

    assert (refusal.code, refusal.rg_reason) == ("RG_BLOCKED", "EXTERNAL_REGISTER")
    assert "excluded in the spelpaus register" in refusal.message
    assert checks(sven) == [("excluded", False)]


def test_a_player_the_register_does_not_list_may_play_and_the_answer_is_cached(sven, swedish_register):
    register = swedish_register()

    first = register_refusal(sven, timezone.now())
    second = register_refusal(sven, timezone.now())

    assert (first, second) == (None, None)
    assert register.calls == 1  # the second answer came from PostgreSQL
    assert checks(sven) == [("not_excluded", False), ("not_excluded", True)]


def test_a_cached_answer_expires(sven, swedish_register, settings):
    settings.RG_REGISTER_CACHE_SECONDS = 3600
    register = swedish_register()
    register_refusal(sven, timezone.now())

    register.excluded.add("199001011234")
    refusal = register_refusal(sven, timezone.now() + timedelta(seconds=3601))

    assert refusal.rg_reason == "EXTERNAL_REGISTER" and register.calls == 2


@pytest.mark.parametrize("fault", ["500", "timeout", "wrong key"])
def test_a_register_that_cannot_confirm_refuses_the_player_by_default(sven, swedish_register, fault):
    register = swedish_register(**({"key": "not-our-key"} if fault == "wrong key" else {}))
    register.status = 500 if fault == "500" else 200
    register.delay_seconds = 1.0 if fault == "timeout" else 0.0

    refusal = register_refusal(sven, timezone.now())

    assert refusal.rg_reason == "EXTERNAL_REGISTER" and "could not be confirmed" in refusal.message
    check = RegisterCheck.objects.get(player=sven)
    assert check.result == "unconfirmed" and check.detail


def test_a_register_configured_to_fail_open_lets_an_unconfirmed_player_play(sven, swedish_register):
    register = swedish_register(fail="open")
    register.status = 500

    assert register_refusal(sven, timezone.now()) is None
    assert checks(sven) == [("unconfirmed", False)]


def test_an_unconfirmed_answer_is_never_cached(sven, swedish_register):
    register = swedish_register()
    register.status = 500
    register_refusal(sven, timezone.now())

    register.status = 200
    refusal = register_refusal(sven, timezone.now())

    assert refusal is None and register.calls == 2


def test_a_player_from_a_country_without_a_register_is_not_checked(alice, swedish_register):
    register = swedish_register()

    assert register_refusal(alice, timezone.now()) is None  # alice plays from MT
    assert register.calls == 0 and not RegisterCheck.objects.exists()


def test_a_launch_of_a_listed_player_is_refused_over_http(client, synced, sven, swedish_register, rg_provider):
    # Given a Swedish player the register lists
    swedish_register().excluded.add("199001011234")
    game = Game.objects.get(external_id="sbx-0001")

    # When the front end launches a game for them
    body = dict(player_id=sven.external_id, game_id=str(game.pk), currency="EUR", mode="real", country="SE")
    response = client.post("/api/v1/launch", {**body, "language": "sv"}, content_type="application/json", headers=AUTH)

    # Then it is refused with the register as the reason, and recorded
    assert response.status_code == 403
    assert (response.json()["code"], response.json()["rg_reason"]) == ("RG_BLOCKED", "EXTERNAL_REGISTER")
    assert RgEvent.objects.filter(player=sven, kind="launch_refused", reason="EXTERNAL_REGISTER").exists()

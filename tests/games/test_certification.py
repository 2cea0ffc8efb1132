"""Is this game certified for this country? One rule (GameQuerySet.certified_for) that the
games list's country filter and launch both ask, so a listed game is a launchable one."""

from decimal import Decimal

import pytest

from games.launch import LaunchError, launch_create
from games.models import Certification, Game
from games.selectors import CatalogFilters, catalog_games, game_certified
from tests.conftest import make_player


@pytest.fixture
def alice(db):
    return make_player("alice", deposit=10_000)


def listed(country: str) -> set[str]:
    return {g["code"] for g in catalog_games(filters=CatalogFilters(country=country))}


def launches(player, game: Game, country: str) -> bool:
    try:
        launch_create(
            player_id=player.external_id,
            game_id=str(game.pk),
            currency="EUR",
            mode="real",
            country=country,
            language="en",
        )
    except LaunchError as refusal:
        assert refusal.code == "GAME_NOT_CERTIFIED", refusal.message
        return False
    return True


@pytest.mark.parametrize(
    ("rtp", "profiles", "certified"),
    [
        ("96.50", ["96.50"], True),
        ("96.50", ["96.5"], True),  # the same percentage, written shorter
        ("96.50", ["94.00"], False),  # certified at another RTP than the game runs now
        ("96.50", ["94.00", "96.50"], True),
        ("96.51", ["96.505"], False),  # compared as written, never rounded to the game's 2 places
        ("96.50", ["A"], True),  # a named profile cannot be compared: the country decides
        ("96.50", [""], True),
        (None, ["94.00"], True),  # a game without an RTP: the country decides
        ("96.50", [], False),
    ],
)
def test_the_games_list_and_launch_agree_on_what_is_certified(synced, alice, rtp, profiles, certified):
    # Given game 1 running at `rtp`, certified for GB at `profiles` (and for MT and DE at 96.50)
    game = Game.objects.get(external_id="sbx-0001")
    Game.objects.filter(pk=game.pk).update(rtp=None if rtp is None else Decimal(rtp))
    for profile in profiles:
        Certification.objects.create(game=game, country="GB", rtp_profile=profile, build_hash="b-gb")
    game.refresh_from_db()

    # Then the rule, the list filtered by GB and a launch from GB all give the same answer
    assert game_certified(game=game, country="gb") is certified
    assert (game.code in listed("gb")) is certified
    assert launches(alice, game, "GB") is certified


def test_a_certification_for_another_country_certifies_nothing_here(synced, alice):
    game = Game.objects.get(external_id="sbx-0001")  # certified for MT and DE

    assert game.code in listed("MT")
    assert game.code not in listed("GB")
    assert not launches(alice, game, "GB")

"""The world every door is tried against: one funded player with a bet standing at each wallet
protocol (so a forged win or rollback has money to move), a launchable game, and the
credentials each API accepts (tests/security/doors.py)."""

import pytest
from django.core.cache import cache

from casino.models import Aggregator
from games.models import Certification, Game, Provider
from games.services import aggregator_create, session_open
from tests.security.doors import (
    FRONTEND_KEY,
    HUB88,
    HUB88_CODE,
    HUB88_KEY,
    NATIVE,
    World,
    hub88_money,
    hub88_path,
    native_money,
    post_signed,
    rsa_public_pem,
)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters and the cached games list live in Redis, out of reach of the test
    # database's rollbacks.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hub88_aggregator(db) -> Aggregator:
    return aggregator_create(
        code=HUB88_CODE,
        protocol=Aggregator.Protocol.HUB88,
        public_key_pem=rsa_public_pem(HUB88_KEY),
        operator_id=1,
        api_base_url="https://hub88.example.test",
    )


@pytest.fixture
def launchable_game(db) -> Game:
    studio = aggregator_create(
        code="studio", signing_secret="studio-secret", api_base_url="https://studio.example.test"
    )
    provider = Provider.objects.create(aggregator=studio, code="studio", name="Studio")
    game = Game.objects.create(aggregator=studio, external_id="g-1", code="studio_game_1", provider=provider, name="G1")
    Certification.objects.create(game=game, country="MT", rtp_profile="A", build_hash="b1")
    return game


@pytest.fixture
def world(client, settings, player, aggregator, hub88_aggregator, launchable_game) -> World:
    settings.FRONTEND_API_KEYS = [FRONTEND_KEY]
    world = World(
        client=client,
        player=player,
        native_session=session_open(player=player, aggregator=aggregator, game_code="book-of-tests", currency="EUR"),
        hub88_session=session_open(player=player, aggregator=hub88_aggregator, game_code="clt_x", currency="EUR"),
        game=launchable_game,
        native_bet_id="bet-0",
        hub88_bet_uuid="a7f3c1de-0000-4000-8000-000000000000",
    )
    native_bet = native_money(world, transaction_id=world.native_bet_id, amount=100)
    NATIVE.assert_accepted(post_signed(world, NATIVE, "/api/v1/wallet/bet", native_bet))
    hub88_bet = hub88_money(world, transaction_uuid=world.hub88_bet_uuid)
    HUB88.assert_accepted(post_signed(world, HUB88, hub88_path("transaction/bet"), hub88_bet))

    # The genuine bet recorded a clock skew; forget it (through save(), which also clears the
    # per-process aggregator cache), so that a refused request recording one cannot hide.
    aggregator.refresh_from_db()
    aggregator.last_skew_seconds = aggregator.skew_observed_at = None
    aggregator.save()
    return world

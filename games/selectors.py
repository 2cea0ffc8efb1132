"""Reads of the game catalog: the cached front-end list, certification, game-code resolution."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache

from casino.models import Aggregator
from games.models import Game, GameCodeAlias

logger = logging.getLogger(__name__)

# The cached lists are keyed by a version token; invalidation replaces the token, so every
# filter combination is dropped at once (and a token is never reused, even after eviction).
CATALOG_VERSION_KEY = "games:catalog:version"


@dataclass(frozen=True)
class CatalogFilters:
    aggregator: str = ""
    category: str = ""
    provider: str = ""
    demo: bool | None = None
    country: str = ""


def catalog_cache_invalidate() -> None:
    """Drop every cached catalog list (catalog sync calls it on commit)."""
    try:
        cache.set(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as exc:  # noqa: BLE001 - whatever the cache backend raises
        # The sync itself is done; lists cached before it expire within CATALOG_CACHE_SECONDS.
        logger.error("catalog cache not invalidated: cache unavailable: %s", exc)


def _catalog_version() -> str:
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(CATALOG_VERSION_KEY)
    return version


def catalog_games(*, filters: CatalogFilters) -> list[dict]:
    """Games a player may launch, as the front-end API lists them, cached until the next sync
    (and at most CATALOG_CACHE_SECONDS, for processes whose cache a sync cannot reach)."""
    digest = hashlib.sha256(json.dumps(asdict(filters), sort_keys=True).encode()).hexdigest()[:32]
    try:
        key = f"games:catalog:{_catalog_version()}:{digest}"
        games = cache.get(key)
    except Exception as exc:  # noqa: BLE001 - whatever the cache backend raises
        # The cache only saves queries: with it down the list comes from the database (fail
        # open, as the inbound rate limit does), slower but right.
        logger.warning("games list not cached: cache unavailable: %s", exc)
        return _catalog_query(filters)
    if games is None:
        games = _catalog_query(filters)
        try:
            cache.set(key, games, timeout=settings.CATALOG_CACHE_SECONDS)
        except Exception as exc:  # noqa: BLE001 - as above
            logger.warning("games list not cached: cache unavailable: %s", exc)
    return games


def _catalog_query(filters: CatalogFilters) -> list[dict]:
    games = Game.objects.available().select_related("aggregator", "provider").order_by("aggregator__code", "name")
    if filters.aggregator:
        games = games.filter(aggregator__code=filters.aggregator)
    if filters.category:
        games = games.filter(category=filters.category)
    if filters.provider:
        games = games.filter(provider__code=filters.provider)
    if filters.demo is not None:
        games = games.filter(demo_supported=filters.demo)
    if filters.country:
        games = games.certified_for(filters.country)
    return [
        {
            "id": str(game.pk),
            "aggregator": game.aggregator.code,
            "code": game.code,
            "name": game.name,
            "provider": game.provider.code,
            "provider_name": game.provider.name,
            "category": game.category,
            "rtp": None if game.rtp is None else str(game.rtp),
            "demo_supported": game.demo_supported,
        }
        for game in games
    ]


def game_resolve_code(*, aggregator: Aggregator, code: str) -> Game | None:
    """The game an aggregator's code stands for, also for a code it had before a rename
    (a session launched, or a wallet call sent, before the rename). The current holder of a
    code wins over a game that held it in the past."""
    game = Game.objects.filter(aggregator=aggregator, code=code).first()
    if game is not None:
        return game
    alias = GameCodeAlias.objects.filter(aggregator=aggregator, code=code).select_related("game").first()
    return alias.game if alias else None


def game_certified(*, game: Game, country: str) -> bool:
    """Whether the game may be launched for `country` (where the player plays from): the rule
    the games list filters by country with (GameQuerySet.certified_for), asked of one game."""
    return Game.objects.filter(pk=game.pk).certified_for(country).exists()

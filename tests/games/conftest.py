"""Catalog and launch fixtures: an aggregator whose catalog API is a real HTTP server."""

import pytest
import requests
from django.core.cache import cache

from casino.outbound import RetryPolicy
from games.catalog import catalog_sync
from games.clients.native import NativeClient
from games.services import aggregator_create
from tests.games.catalog_server import CatalogServer, game_json

SBX_SECRET = "sandbox-test-secret"
SBX_KEY = "sandbox-test-key"


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cached catalog lives in Redis, which the test database's rollbacks do not reach.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalog_server():
    with CatalogServer(key_id=SBX_KEY, secret=SBX_SECRET) as server:
        server.games = [game_json(1), game_json(2), game_json(3, demo=False)]
        yield server


@pytest.fixture
def sandbox(db, catalog_server):
    return aggregator_create(
        code="sbx", signing_secret=SBX_SECRET, key_id=SBX_KEY, api_base_url=catalog_server.url, name="Sandbox"
    )


class Sleeps(list):
    """Injected instead of time.sleep: records the waits, waits for nothing."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def sync(sandbox, sleeps):
    """sync() runs one catalog sync of the sandbox through the real HTTP client, without real waits."""

    def run(*, policy: RetryPolicy | None = None):
        sandbox.refresh_from_db()
        client = NativeClient(
            sandbox, policy=policy or RetryPolicy(attempts=5), session=requests.Session(), sleep=sleeps
        )
        return catalog_sync(aggregator_id=sandbox.pk, client=client)

    return run


@pytest.fixture
def synced(sync):
    run = sync()
    assert run.status == "succeeded", run.errors
    return run

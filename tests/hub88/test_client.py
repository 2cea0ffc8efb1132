"""Hub88Client against a local HTTP server that checks our signature like Hub88 does."""

import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from casino.models import Aggregator
from casino.outbound import OutboundError, RetryPolicy
from casino.signing import rsa_signature_matches
from games.clients import client_for
from games.clients.hub88 import Hub88Client, Hub88Error
from games.clients.native import CatalogError
from games.free_spins import free_spins_grant
from games.models import FreeSpinGrant
from tests.conftest import make_player
from tests.hub88.conftest import PUBLIC_PEM

GAMES = [
    {
        "game_code": "clt_dragonrising",
        "name": "Dragon Rising",
        "product": "Crazy Tooth Studio",
        "category": "Video Slots",
        "rtp": "96.5",
        "enabled": True,
        "demo_game_support": True,
        "freebet_support": True,
        "blocked_countries": ["US"],
        "certifications": ["CURACAO"],
        "supplier_identifier": {"game_id": "1001", "game_code": "dragonrising", "game_code_mobile": None},
        "some_future_field": {"x": 1},
    },
    {"game_code": "evo_roulette", "name": "Roulette", "product": "Evolution Gaming", "enabled": False},
]


class FakeHub88:
    """Answers like Hub88: 401 for a bad signature; optionally 429 with Retry-After first."""

    def __init__(self):
        self.requests: list[tuple[str, bytes, dict]] = []
        self.throttle_next = 0
        self.answers: dict[str, tuple[int, object]] = {}

    def handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.requests.append((self.path, body, dict(self.headers)))
                if fake.throttle_next:
                    fake.throttle_next -= 1
                    return self.reply(429, {"error": "Too Many Requests"}, {"Retry-After": "7"})
                if not rsa_signature_matches(PUBLIC_PEM, body, self.headers.get("X-Hub88-Signature")):
                    return self.reply(401, {"error": "invalid x-hub88-signature"})
                status, answer = fake.answers.get(self.path, (404, {"error": "not found"}))
                self.reply(status, answer)

            def reply(self, status, answer, headers=None):
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def fake_hub88():
    fake = FakeHub88()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def hub88_client(hub88_aggregator, fake_hub88, sleeps) -> Hub88Client:
    Aggregator.objects.filter(pk=hub88_aggregator.pk).update(api_base_url=fake_hub88.base_url)
    hub88_aggregator.refresh_from_db()
    return Hub88Client(hub88_aggregator, sleep=sleeps.append, policy=RetryPolicy(attempts=3, timeout=5))


def test_the_catalog_is_fetched_signed_and_survives_one_429(hub88_client, fake_hub88, sleeps):
    fake_hub88.answers["/operator/generic/v2/game/list"] = (200, GAMES)
    fake_hub88.throttle_next = 1

    entries = hub88_client.fetch_catalog()

    assert sleeps == [7.0]  # Retry-After honoured, through the no-op sleep
    assert len(fake_hub88.requests) == 2
    path, body, headers = fake_hub88.requests[-1]
    assert body == b'{"operator_id":1}'  # compact JSON: the bytes we signed are the bytes sent
    assert rsa_signature_matches(PUBLIC_PEM, body, headers["X-Hub88-Signature"])
    dragon, roulette = entries
    assert (dragon.external_id, dragon.code, dragon.name) == ("clt_dragonrising", "clt_dragonrising", "Dragon Rising")
    assert (dragon.provider_code, dragon.provider_name) == ("crazy-tooth-studio", "Crazy Tooth Studio")
    assert dragon.rtp == Decimal("96.50")
    assert dragon.demo_supported and dragon.enabled
    assert dragon.raw["supplier_identifier"]["game_id"] == "1001"
    assert roulette.enabled is False and roulette.rtp is None


def test_a_malformed_game_fails_the_whole_list(hub88_client, fake_hub88):
    fake_hub88.answers["/operator/generic/v2/game/list"] = (200, [*GAMES, {"name": "no code"}])

    with pytest.raises(CatalogError):
        hub88_client.fetch_catalog()


def test_an_error_answer_is_a_catalog_error_with_hub88s_message(hub88_client, fake_hub88):
    fake_hub88.answers["/operator/generic/v2/game/list"] = (403, {"error": "operator not enabled"})

    with pytest.raises(CatalogError, match="operator not enabled"):
        hub88_client.fetch_catalog()


def test_a_wrong_private_key_is_refused_by_hub88(hub88_client, fake_hub88, hub88_aggregator):
    from tests.hub88.test_wallet_api import _other_private_key

    hub88_aggregator.private_key_pem = _other_private_key()

    with pytest.raises(Hub88Error) as failure:
        hub88_client.game_url(game_code="clt_dragonrising", currency="EUR", user="player-1", token="t" * 16)
    assert failure.value.status == 401


def test_game_url_sends_the_launch_fields_and_returns_the_url(hub88_client, fake_hub88):
    fake_hub88.answers["/operator/generic/v2/game/url"] = (200, {"url": "https://games.example/launch?x=1"})

    url = hub88_client.game_url(
        game_code="clt_dragonrising",
        currency="EUR",
        user="player-1",
        token="session-token-123",
        country="MT",
        lang="en",
        ip="10.0.0.1",
        lobby_url="https://casino.example/lobby",
    )

    assert url == "https://games.example/launch?x=1"
    sent = json.loads(fake_hub88.requests[-1][1])
    assert sent == {
        "operator_id": 1,
        "user": "player-1",
        "token": "session-token-123",
        "game_code": "clt_dragonrising",
        "currency": "EUR",
        "country": "MT",
        "lang": "en",
        "platform": "GPL_DESKTOP",
        "ip": "10.0.0.1",
        "lobby_url": "https://casino.example/lobby",
    }


def test_a_demo_game_url_carries_no_user_or_token(hub88_client, fake_hub88):
    fake_hub88.answers["/operator/generic/v2/game/url"] = (200, {"url": "https://games.example/demo"})

    hub88_client.game_url(game_code="clt_dragonrising", currency="XXX")

    sent = json.loads(fake_hub88.requests[-1][1])
    assert "user" not in sent and "token" not in sent


def test_transactions_are_listed_for_a_utc_window(hub88_client, fake_hub88):
    items = [{"transaction_uuid": "t-1", "status": "TS_SUCCESS"}, {"transaction_uuid": "t-2", "status": "TS_NEW"}]
    fake_hub88.answers["/operator/generic/v2/transactions/list"] = (200, items)

    listed = hub88_client.list_transactions(
        datetime(2026, 11, 21, 23, 0, tzinfo=UTC), datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
    )

    assert listed == items
    assert json.loads(fake_hub88.requests[-1][1]) == {
        "operator_id": 1,
        "start_time": "2026-11-21T23:00:00",
        "end_time": "2026-11-22T00:00:00",
    }


def test_hub88_that_keeps_throttling_is_an_outbound_error(hub88_client, fake_hub88, sleeps):
    fake_hub88.throttle_next = 5

    with pytest.raises(OutboundError):
        hub88_client.fetch_catalog()
    assert sleeps == [7.0, 7.0]


def test_the_registry_gives_hub88_aggregators_this_client(hub88_aggregator):
    assert isinstance(client_for(hub88_aggregator), Hub88Client)


def test_catalog_sync_applies_hub88s_game_list(hub88_client, fake_hub88, hub88_aggregator):
    from games.catalog import catalog_sync
    from games.models import CatalogSyncRun, Game

    fake_hub88.answers["/operator/generic/v2/game/list"] = (200, GAMES)

    run = catalog_sync(aggregator_id=hub88_aggregator.pk, client=hub88_client)

    assert run.status == CatalogSyncRun.Status.SUCCEEDED, run.errors
    games = {g.code: g for g in Game.objects.filter(aggregator=hub88_aggregator)}
    assert set(games) == {"clt_dragonrising", "evo_roulette"}
    assert games["clt_dragonrising"].provider.name == "Crazy Tooth Studio"
    assert games["evo_roulette"].enabled is False


# --- Freebets API: free spins we grant (docs/money.md) ------------------------------------------

REWARD = "/operator/generic/v2/freebet/rewards/create"


def test_a_grant_is_a_signed_single_use_reward_with_its_times_and_hub88_units(hub88_client, fake_hub88):
    fake_hub88.answers[REWARD] = (200, {"status": "FRS_ACTIVE", "reward_uuid": "rw-1"})
    ann = make_player("ann")
    ends = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

    grant = free_spins_grant(
        aggregator=hub88_client.aggregator, player=ann, game_code="clt_dragonrising", currency="EUR",
        spins=10, bet_value=20, expires_at=ends,
    )  # fmt: skip

    assert (grant.status, grant.external_id) == (FreeSpinGrant.Status.ACTIVE, "rw-1")
    path, body, headers = fake_hub88.requests[-1]
    assert path == REWARD and rsa_signature_matches(PUBLIC_PEM, body, headers["X-Hub88-Signature"])
    sent = json.loads(body)
    assert (sent["user"], sent["bet_value"], sent["bet_count"], sent["end_time"]) == (
        "ann",
        20_000,
        10,
        "2030-01-02T03:04:05",
    )
    assert sent["operator_reference"] == str(grant.reference)


def test_a_refused_grant_is_kept_as_failed_with_hub88s_error(hub88_client, fake_hub88):
    fake_hub88.answers[REWARD] = (422, {"error": "game does not support freebets"})

    grant = free_spins_grant(
        aggregator=hub88_client.aggregator, player=make_player("ann"), game_code="x", currency="EUR",
        spins=1, bet_value=20, expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip

    assert grant.status == FreeSpinGrant.Status.FAILED
    assert "game does not support freebets" in grant.error

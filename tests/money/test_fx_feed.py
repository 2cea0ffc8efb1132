"""The FX rate feed: the sandbox serves it, the beat task imports it (docs/money.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.utils import timezone

from sandbox.server import SandboxState, serve_in_thread
from wallet.models import FxRate
from wallet.services.fx import FeedError, fx_feed_fetch, fx_feed_parse, fx_rates_import
from wallet.tasks import import_fx_rates


@pytest.fixture
def feed(settings):
    server = serve_in_thread(SandboxState())
    settings.FX_FEED_URL = f"{server.base_url}/fx/rates"
    yield server
    server.shutdown()
    server.server_close()


def test_the_beat_task_imports_the_sandbox_feed_once_however_often_it_runs(db, feed, settings):
    requests.post(f"{feed.base_url}/control/fx", json={"rates": {"USD/EUR": "0.9001"}, "valid_seconds": 120}, timeout=5)

    imported = import_fx_rates()
    listed = fx_feed_fetch(url=settings.FX_FEED_URL)
    once, twice = fx_rates_import(rates=listed), fx_rates_import(rates=listed)

    assert imported == 1  # the feed's one rate
    assert twice == 0 and once in (0, 1)  # the same quote again (same as_of) is stored once
    rate = FxRate.objects.filter(base="USD", quote="EUR").order_by("-as_of").first()
    assert rate.rate == Decimal("0.9001")
    assert rate.source == FxRate.Source.FEED
    assert rate.valid_until - rate.as_of == timedelta(seconds=120)
    assert rate.as_of <= timezone.now() < rate.valid_until


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"as_of": "yesterday", "valid_seconds": 60, "rates": []},
        {"as_of": "2026-11-29T10:00:00", "valid_seconds": 60, "rates": []},  # no time zone
        {"as_of": "2026-11-29T10:00:00Z", "valid_seconds": 0, "rates": []},
        {"as_of": "2026-11-29T10:00:00Z", "valid_seconds": 60, "rates": [{"base": "USD", "quote": "EUR"}]},
        {
            "as_of": "2026-11-29T10:00:00Z",
            "valid_seconds": 60,
            "rates": [{"base": "USD", "quote": "EUR", "rate": "-1"}],
        },
        {
            "as_of": "2026-11-29T10:00:00Z",
            "valid_seconds": 60,
            "rates": [{"base": "USD", "quote": "EUR", "rate": "NaN"}],
        },
    ],
)
def test_a_feed_that_is_not_a_rate_list_is_refused_whole(body):
    with pytest.raises(FeedError):
        fx_feed_parse(body)

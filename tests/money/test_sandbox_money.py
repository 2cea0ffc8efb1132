"""The sandbox plays in a foreign currency and with granted free spins, end to end over HTTP;
the ledger still holds and the reports count it (docs/money.md)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from games.free_spins import free_spins_grant, free_spins_track
from games.models import DailyFigures, FreeSpinGrant
from games.reports.rollup import rollup_ledger
from games.services import aggregator_create, session_open
from sandbox.promotions import play_free_spins, play_rounds
from sandbox.server import DEFAULT_KEY_ID, DEFAULT_SECRET, SandboxState, serve_in_thread
from sandbox.wire import GameSessionRef, NativeWire
from tests.conftest import make_player
from wallet.models import FxPair, LedgerTransaction
from wallet.services.fx import fx_rates_refresh

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def sandbox(settings):
    server = serve_in_thread(SandboxState())
    settings.FX_FEED_URL = f"{server.base_url}/fx/rates"
    yield server
    server.shutdown()
    server.server_close()


def test_the_sandbox_plays_dollars_on_a_euro_wallet_and_its_free_spins_and_the_ledger_holds(live_server, sandbox):
    aggregator = aggregator_create(
        code="sandbox", signing_secret=DEFAULT_SECRET, key_id=DEFAULT_KEY_ID, api_base_url=sandbox.base_url
    )
    FxPair.objects.create(aggregator=aggregator, played_id="USD", wallet_currency_id="EUR")
    assert fx_rates_refresh() == 4  # the sandbox feed's four rates
    ann = make_player("ann", deposit=50_000)
    session = session_open(player=ann, aggregator=aggregator, game_code="book", currency="EUR")
    wire = NativeWire(live_server.url, key_id=DEFAULT_KEY_ID, secret=DEFAULT_SECRET)

    in_dollars = play_rounds(
        wire, GameSessionRef("ann", session.token, "USD", "book"), rounds=20, seed=14, prefix="usd"
    )
    grant = free_spins_grant(
        aggregator=aggregator, player=ann, game_code="book", currency="EUR", spins=5, bet_value=20,
        expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    assert grant.status == FreeSpinGrant.Status.ACTIVE
    granted = sandbox.state.free_spin_grants[grant.external_id]
    assert (granted["player_id"], granted["spins"], granted["bet_value"]) == ("ann", 5, 20)
    spins = play_free_spins(
        wire, GameSessionRef("ann", session.token, "EUR", "book"), grant_id=grant.external_id, grant=granted, seed=14
    )

    assert in_dollars.all_ok and spins.all_ok
    assert all(a.body["currency"] == "USD" for a in in_dollars.answers)
    # Every money move of the dollar rounds was converted at its round's rate, none without one.
    assert LedgerTransaction.objects.filter(reference__startswith="usd-b", fx_currency="USD").count() == 20
    assert not LedgerTransaction.objects.filter(reference__startswith="usd-", fx_currency__isnull=True).exists()
    free_wins = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.FREE_SPIN_WIN)
    assert sum(abs(t.entries.get(wallet__isnull=False).amount) for t in free_wins) == spins.wins
    free_spins_track()
    grant.refresh_from_db()
    assert (grant.status, grant.spins_used, grant.win_total) == (FreeSpinGrant.Status.CONSUMED, 5, spins.wins)
    call_command("check_ledger")

    rollup_ledger(settle_seconds=0)
    [figures] = DailyFigures.objects.filter(game_code="book")
    assert figures.bonus_cost == spins.wins
    assert figures.turnover > 0 and figures.currency_id == "EUR"

"""The sandbox in Hub88 mode, end to end over real HTTP: catalog sync through Hub88's
/game/list, launches through /game/url, and players spinning over Hub88's Wallet API (RSA
signatures, units x 100000, RS_* statuses). The ledger must check out and every balance must
equal the sandbox's own record."""

import pytest
from django.core.management import call_command

from casino.models import Aggregator, Player
from games.catalog import catalog_sync
from games.models import Certification, Game
from games.services import aggregator_create
from sandbox import hub88 as sandbox_hub88
from sandbox.driver import Target, run
from sandbox.player import Behaviour, PlayConfig
from sandbox.server import SandboxState, serve_in_thread
from tests.conftest import FRONTEND_KEY, balance_of, make_player

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

UNRULY = Behaviour(resend=0.3, timeout=0.1, rollback_first=0.1, free_spins=0.1, overbet=0.05, split_win=0.3)


@pytest.fixture
def sandbox():
    server = serve_in_thread(SandboxState())
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def back_office(live_server, sandbox):
    aggregator = aggregator_create(
        code="sandbox-hub88",
        protocol=Aggregator.Protocol.HUB88,
        public_key_pem=sandbox_hub88.key("hub88_public"),
        private_key_pem=sandbox_hub88.key("operator_private"),
        operator_id=1,
        api_base_url=sandbox.base_url,
    )
    sync = catalog_sync(aggregator_id=aggregator.pk)
    assert sync.errors == "", sync.errors
    # Hub88 lists no per-country certifications: compliance staff enter them.
    for game in Game.objects.filter(aggregator=aggregator):
        Certification.objects.create(game=game, country="MT", rtp_profile=str(game.rtp), build_hash="hub88")
    return aggregator


def test_a_hub88_sandbox_run_leaves_a_ledger_that_agrees_with_the_sandboxs_record(back_office, live_server, sandbox):
    ids = [f"sbx-player-{i}" for i in range(1, 4)]
    for player_id in ids:
        make_player(player_id, deposit=100_000)
    config = PlayConfig(run_id="hub88", seed=11, behaviour=UNRULY, aggregator="sandbox-hub88", launch_check="http")

    target = Target(url=live_server.url, frontend_key=FRONTEND_KEY, protocol="hub88")
    result = run(ids, spins=25, config=config, target=target)

    call_command("check_ledger")  # raises CommandError on any violation
    totals = result.totals
    assert totals["errors"] == 0, result.summary_lines()
    assert totals["balance_mismatches"] == 0, result.summary_lines()
    for record in result.records:
        player = Player.objects.get(external_id=record.player_id)
        assert balance_of(player) == record.believed == record.final_balance
    assert result.all_agree
    assert totals["spins"] == 3 * 25
    assert totals["resends"] > 0
    assert totals["timeouts"] > 0 and totals["rollbacks"] >= totals["timeouts"]
    assert totals["rollback_before_bet"] > 0
    assert totals["free_spins"] > 0
    assert totals["insufficient_funds"] > 0
    counters = sandbox.state.snapshot()["counters"]
    assert counters["launches_ok"] == totals["launches"] > 0  # every launch went through Hub88's /game/url
    assert counters["launches_refused"] == 0

"""End to end, all over real HTTP: a live back-office, the sandbox aggregator serving its
catalog and checking launch URLs, and sandbox players launching games and spinning through
the front-end and native wallet APIs. Then the ledger must check out, and every balance must
equal the sandbox's own record of what it sent and was answered."""

import threading
import time
from dataclasses import replace

import pytest
import requests
from django.core.management import call_command

from casino.models import Aggregator, Mode, Player
from games.catalog import catalog_sync
from games.services import aggregator_create
from sandbox.driver import Target, run
from sandbox.frontend import FrontendClient
from sandbox.player import Behaviour, PlayConfig
from sandbox.server import DEFAULT_KEY_ID, DEFAULT_SECRET
from tests.conftest import FRONTEND_KEY, balance_of, make_player

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

# Misbehave often, so that a short run surely resends, times out and rolls back early.
UNRULY = Behaviour(resend=0.3, timeout=0.1, rollback_first=0.1, free_spins=0.1, overbet=0.05, split_win=0.3)


@pytest.fixture
def back_office(live_server, sandbox):
    aggregator = aggregator_create(
        code="sandbox",
        name="Sandbox aggregator",
        signing_secret=DEFAULT_SECRET,
        key_id=DEFAULT_KEY_ID,
        api_base_url=sandbox.base_url,
    )
    sync = catalog_sync(aggregator_id=aggregator.pk)
    assert sync.errors == "", sync.errors
    return aggregator


def players(n: int, deposit: int = 100_000) -> list[str]:
    ids = [f"sbx-player-{i}" for i in range(1, n + 1)]
    for player_id in ids:
        make_player(player_id, deposit=deposit)
    return ids


def test_a_sandbox_run_leaves_a_ledger_that_agrees_with_the_sandboxs_record(back_office, live_server, sandbox):
    ids = players(4)
    config = PlayConfig(run_id="e2e", seed=7, behaviour=UNRULY, launch_check="http")

    result = run(ids, spins=25, config=config, target=Target(url=live_server.url, frontend_key=FRONTEND_KEY))

    call_command("check_ledger")  # raises CommandError on any violation
    totals = result.totals
    assert totals["errors"] == 0, result.summary_lines()
    assert totals["balance_mismatches"] == 0
    for record in result.records:
        player = Player.objects.get(external_id=record.player_id)
        assert balance_of(player) == record.believed == record.final_balance
        assert record.agrees is True
    assert result.all_agree
    # The network misbehaved for real, and the back-office answered as the protocol says.
    assert totals["spins"] == 4 * 25
    assert totals["resends"] > 0
    assert totals["timeouts"] > 0 and totals["rollbacks"] >= totals["timeouts"]
    assert totals["rollback_before_bet"] > 0
    assert totals["free_spins"] > 0
    assert totals["insufficient_funds"] > 0
    assert totals["turnover"] > 0
    # Every launch URL the back-office signed was accepted by the sandbox's /play.
    assert sandbox.state.snapshot()["counters"]["launches_ok"] == totals["launches"] > 0
    assert sandbox.state.snapshot()["counters"]["launches_refused"] == 0


def test_the_same_seed_plays_the_same_decisions(back_office, live_server):
    first, second = players(1, deposit=50_000)[0], "sbx-twin"
    make_player(second, deposit=50_000)
    config = PlayConfig(run_id="det", seed=3, behaviour=UNRULY)

    one = run([first], spins=15, config=config, target=Target(url=live_server.url, frontend_key=FRONTEND_KEY))
    # The same player id and seed, on a twin wallet with the same money: rename the twin.
    Player.objects.filter(external_id=first).update(external_id="sbx-player-1-done")
    Player.objects.filter(external_id=second).update(external_id=first)
    two = run(
        [first],
        spins=15,
        config=PlayConfig(run_id="det2", seed=3, behaviour=UNRULY),
        target=Target(url=live_server.url, frontend_key=FRONTEND_KEY),
    )

    assert list(one.records[0].plans) == list(two.records[0].plans)
    assert one.records[0].believed == two.records[0].believed


def test_demo_sessions_move_no_real_money(back_office, live_server):
    ids = players(2)
    config = PlayConfig(run_id="demo", seed=5, behaviour=Behaviour(demo=1.0))

    result = run(ids, spins=10, config=config, target=Target(url=live_server.url, frontend_key=FRONTEND_KEY))

    assert result.totals["demo_calls"] > 0
    assert result.totals["turnover"] == 0
    for player_id in ids:
        assert balance_of(Player.objects.get(external_id=player_id), mode=Mode.REAL) == 100_000
    call_command("check_ledger")


def test_the_sandbox_play_command_ends_with_a_per_player_verdict(back_office, live_server, capsys):
    players(2)

    call_command("sandbox_play", "--players", "2", "--spins", "10", "--seed", "11", "--url", live_server.url)

    out = capsys.readouterr().out
    assert out.count("ledger agrees: yes") == 2
    for field in ("spins", "turnover", "wins", "GGR", "retries", "errors", "p50", "p95", "p99"):
        assert field in out
    assert Aggregator.objects.get(code="sandbox").api_base_url


def test_games_renamed_and_removed_at_the_sandbox_mid_run_leave_the_run_and_the_ledger_sound(
    back_office, live_server, sandbox
):
    ids = players(3)
    stop = threading.Event()
    # Short sessions: many launches, before and after the catalog changes.
    config = PlayConfig(run_id="moving", seed=9, behaviour=replace(UNRULY, session_spins=(1, 3)))
    outcome = {}

    def play():
        outcome["result"] = run(
            ids,
            spins=None,
            config=config,
            target=Target(url=live_server.url, frontend_key=FRONTEND_KEY),
            stop=stop,
            refresh_games_every=0.2,
        )

    runner = threading.Thread(target=play)
    runner.start()
    try:
        time.sleep(1.5)  # the players are launching and spinning
        requests.post(
            f"{sandbox.base_url}/control/catalog",
            json={"rename": {"sbx_book_of_tests": "sbx_book_of_tests_v2"}, "remove": ["sbx_mocking_bird"]},
            timeout=5,
        ).raise_for_status()
        assert catalog_sync(aggregator_id=back_office.pk).errors == ""
        time.sleep(2.5)  # they play on, and their games lists are refreshed
    finally:
        stop.set()
        runner.join(timeout=60)
    result = outcome["result"]

    call_command("check_ledger")
    assert result.totals["errors"] == 0, result.summary_lines()
    assert result.all_agree
    for record in result.records:
        assert balance_of(Player.objects.get(external_id=record.player_id)) == record.believed
    listed = {g["code"] for g in FrontendClient(live_server.url, api_key=FRONTEND_KEY).list_games(aggregator="sandbox")}
    assert "sbx_book_of_tests_v2" in listed and "sbx_mocking_bird" not in listed and "sbx_book_of_tests" not in listed

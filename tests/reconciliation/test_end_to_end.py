"""End to end over real HTTP: the sandbox aggregator plays rounds against a live back-office
(wallet calls and settlement webhooks) with one seeded discrepancy of each class, then serves
its report. The run finds exactly those, nothing more; a rerun changes nothing; a healed one
closes; shadow mode found the same from the webhooks as they came."""

import pytest
import requests
from django.test import override_settings
from django.utils import timezone

from casino.models import Aggregator
from games.services import aggregator_create, session_open
from reconciliation.models import Discrepancy, Source
from reconciliation.services.runs import reconciliation_run
from sandbox.server import DEFAULT_KEY_ID, DEFAULT_SECRET, SandboxState, serve_in_thread
from sandbox.wire import GameSessionRef, MoneyOp, NativeWire
from tests.conftest import make_player

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

EVERY_CLASS = {
    "drop_from_report": 1,
    "other_amount": 1,
    "settle_rolled_back": 1,
    "other_currency": 1,
    "report_twice": 1,
    "lose_call": 1,
}
EXPECTED = {
    "missing_there": 1,
    "amount_mismatch": 1,
    "status_mismatch": 1,
    "currency_mismatch": 1,
    "duplicate_there": 1,
    "missing_here": 1,
}


@pytest.fixture
def sandbox():
    server = serve_in_thread(SandboxState())
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def aggregator(sandbox) -> Aggregator:
    return aggregator_create(
        code="sandbox",
        name="Sandbox",
        signing_secret=DEFAULT_SECRET,
        key_id=DEFAULT_KEY_ID,
        api_base_url=sandbox.base_url,
    )


@pytest.fixture
def sessions(aggregator) -> list[dict]:
    refs = []
    for n in (1, 2):
        player = make_player(f"rc-player-{n}", deposit=1_000_000)
        session = session_open(player=player, aggregator=aggregator, game_code="sandbox-game", currency="EUR")
        refs.append({"player_id": player.external_id, "session_token": session.token, "currency": "EUR"})
    return refs


def control(sandbox, path: str, body: dict) -> dict:
    response = requests.post(f"{sandbox.base_url}/control/{path}", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def window():
    now = timezone.now()
    return now - timezone.timedelta(hours=1), now + timezone.timedelta(hours=1)


@override_settings(SETTLEMENT_MATCH_GRACE_SECONDS=0)
def test_the_run_finds_exactly_the_seeded_discrepancies(live_server, sandbox, aggregator, sessions):
    # given: 20 rounds, with one discrepancy of each class seeded at the sandbox
    control(sandbox, "reconciliation", EVERY_CLASS)
    played = control(sandbox, "play", {"url": live_server.url, "sessions": sessions, "rounds": 20, "run_id": "e2e"})
    assert played["rounds"] == 20
    assert all(answer["status"] == 200 for answer in played["webhook_answers"]), played["webhook_answers"]
    start, end = window()

    # when: the hourly comparison of its report
    first = reconciliation_run(aggregator_id=aggregator.pk, start=start, end=end, source=Source.REPORT)

    # then: exactly one of each class, naming the seeded transactions
    assert first.status == "succeeded", first.error
    assert first.counts == EXPECTED
    found = {d.kind: d for d in Discrepancy.objects.filter(source=Source.REPORT)}
    assert found["missing_there"].transaction_id == "rc-e2e-0-bet"  # dropped from the report
    assert found["missing_here"].transaction_id == "rc-e2e-0-win"  # counted there, never sent
    assert found["amount_mismatch"].transaction_id == "rc-e2e-1-bet"
    assert found["currency_mismatch"].transaction_id == "rc-e2e-2-bet"
    assert found["duplicate_there"].transaction_id == "rc-e2e-3-bet"
    assert found["status_mismatch"].transaction_id == "rc-e2e-4-bet"  # rolled back here, settled there
    assert found["amount_mismatch"].their_amount == found["amount_mismatch"].our_amount + 1

    # shadow mode (the aggregator's first week) found the same from the webhooks, at once
    shadow = dict(
        Discrepancy.objects.filter(source=Source.WEBHOOK).values_list("kind", "transaction_id").order_by("kind")
    )
    assert shadow == {k: d.transaction_id for k, d in found.items()}

    # a rerun changes nothing
    again = reconciliation_run(aggregator_id=aggregator.pk, start=start, end=end, source=Source.REPORT)
    assert again.counts == EXPECTED and again.new_discrepancies == 0 and again.healed == 0
    assert Discrepancy.objects.filter(source=Source.REPORT).count() == 6

    # the lost win finally reaches us: the next run closes that one as self-healed
    ref = sessions[0]
    wire = NativeWire(live_server.url, key_id=DEFAULT_KEY_ID, secret=DEFAULT_SECRET)
    amount = found["missing_here"].their_amount
    answer = wire.money(
        GameSessionRef(ref["player_id"], ref["session_token"], "EUR", "sandbox-game"),
        MoneyOp("win", "rc-e2e-0-win", "rc-e2e-0", "sandbox-game", amount, round_closed=True),
    )
    assert answer.ok, answer.body
    healed = reconciliation_run(aggregator_id=aggregator.pk, start=start, end=end, source=Source.REPORT)
    assert healed.healed == 1 and "missing_here" not in healed.counts
    closed = Discrepancy.objects.get(source=Source.REPORT, transaction_id="rc-e2e-0-win")
    assert (closed.status, closed.resolution) == ("resolved", "self_healed")


def test_a_clean_sandbox_window_finds_nothing(live_server, sandbox, aggregator, sessions):
    control(sandbox, "play", {"url": live_server.url, "sessions": sessions, "rounds": 10, "run_id": "clean"})
    start, end = window()
    run = reconciliation_run(aggregator_id=aggregator.pk, start=start, end=end, source=Source.REPORT)
    assert run.status == "succeeded", run.error
    assert run.counts == {} and run.their_rows == run.our_rows == 20
    assert not Discrepancy.objects.exists()

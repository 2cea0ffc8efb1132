"""Hub88's transactions/list as a report, webhook-source runs, the hourly schedule, shadow mode's
switch and its daily summary."""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from casino.celery import app as celery_app
from casino.signing import rsa_signature_matches
from games.services import aggregator_create
from reconciliation.clients import ReportError
from reconciliation.clients.hub88 import Hub88ReportClient
from reconciliation.models import Discrepancy, ReconciliationRun, ReconciliationSettings, SettlementEvent, Source
from reconciliation.services.runs import hourly_window, reconciliation_run
from reconciliation.services.settlement import settlement_batch_apply
from reconciliation.services.shadow import shadow_check_event, shadow_on, shadow_summarize
from reconciliation.tasks import reconcile_hourly
from tests.hub88.conftest import PRIVATE_PEM, PUBLIC_PEM


@pytest.fixture
def hub88_aggregator(db):
    return aggregator_create(
        code="hub88", protocol="hub88", public_key_pem=PUBLIC_PEM, private_key_pem=PRIVATE_PEM, operator_id=1
    )


class Hub88Fake(ThreadingHTTPServer):
    """Answers transactions/list with `items` after checking our signature."""

    daemon_threads = True

    def __init__(self, items):
        self.items, self.bodies = items, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                server.bodies.append(json.loads(raw))
                signed = rsa_signature_matches(PUBLIC_PEM, raw, self.headers.get("X-Hub88-Signature"))
                body = json.dumps(server.items if signed else {"error": "bad signature"}).encode()
                self.send_response(200 if signed else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


def test_hub88_transactions_are_read_in_minor_units(hub88_aggregator):
    at = "2026-11-29T10:00:00"
    fake = Hub88Fake(
        [
            {"transaction_uuid": "h-1", "type": "bet", "user": "player-1", "round": "r-1", "amount": 150000,
             "currency": "EUR", "status": "TS_SUCCESS", "created_at": at + "Z"},
            {"transaction_uuid": "h-2", "type": "win", "user": "player-1", "round": "r-1", "amount": 0,
             "currency": "EUR", "status": "TS_DECLINED", "created_at": at + "+00:00"},
        ]
    )  # fmt: skip
    try:
        hub88_aggregator.api_base_url = f"http://127.0.0.1:{fake.server_address[1]}"
        start = datetime(2026, 11, 29, 10, tzinfo=UTC)
        rows = list(Hub88ReportClient(hub88_aggregator).transactions(start, start + timedelta(hours=1)))
    finally:
        fake.shutdown()
        fake.server_close()
    assert [(r.external_id, r.kind, r.amount, r.status) for r in rows] == [
        ("h-1", "bet", 150, "settled"),  # 1.50000 EUR in Hub88 units is 150 cents
        ("h-2", "win", 0, "refused"),
    ]
    assert fake.bodies == [{"operator_id": 1, "start_time": "2026-11-29T10:00:00", "end_time": "2026-11-29T11:00:00"}]


def test_a_hub88_amount_finer_than_the_currency_fails_the_report(hub88_aggregator):
    fake = Hub88Fake([{"transaction_uuid": "h-1", "type": "bet", "amount": 150001, "currency": "EUR",
                       "status": "TS_SUCCESS", "created_at": "2026-11-29T10:00:00Z"}])  # fmt: skip
    try:
        hub88_aggregator.api_base_url = f"http://127.0.0.1:{fake.server_address[1]}"
        with pytest.raises(ReportError, match="transaction 0"):
            list(Hub88ReportClient(hub88_aggregator).transactions(timezone.now(), timezone.now()))
    finally:
        fake.shutdown()
        fake.server_close()


def settle(aggregator, batch_id, event):
    return settlement_batch_apply(
        aggregator=aggregator,
        raw=json.dumps(event).encode(),
        headers={},
        payload={"batch_id": batch_id, "events": [event]},
    )


def round_event(event_id, round_id, transactions, at):
    bets = sum(t["amount"] for t in transactions if t["kind"] == "bet")
    wins = sum(t["amount"] for t in transactions if t["kind"] == "win")
    return {"event_id": event_id, "type": "round_settled", "round_id": round_id, "player_id": "player-1",
            "currency": "EUR", "transactions": transactions, "bet_total": bets, "win_total": wins,
            "settled_at": at.isoformat()}  # fmt: skip


def test_a_webhook_run_compares_the_settled_rounds_of_its_window(aggregator, money, window):
    ReconciliationSettings.objects.create(aggregator=aggregator, shadow_mode="off")
    money("bet", "b-1", 100)
    money("win", "w-1", 250, round_closed=True)
    money("bet", "b-2", 100, round_id="r-2")
    money("win", "w-2", 50, round_id="r-2", round_closed=True)
    money("bet", "b-3", 100, round_id="r-3")  # its round never settled there: not compared
    now = timezone.now()
    settle(
        aggregator,
        "batch-1",
        round_event(
            "ev-1",
            "r-1",
            [{"id": "b-1", "kind": "bet", "amount": 100}, {"id": "w-1", "kind": "win", "amount": 250}],
            now,
        ),
    )
    settle(aggregator, "batch-2", round_event("ev-2", "r-2", [{"id": "b-2", "kind": "bet", "amount": 100}], now))
    # fmt: skip
    run = reconciliation_run(aggregator_id=aggregator.pk, start=window[0], end=window[1], source=Source.WEBHOOK)
    assert run.status == "succeeded", run.error
    assert run.counts == {"missing_there": 1}
    assert Discrepancy.objects.get().transaction_id == "w-2"


def test_shadow_mode_is_on_for_the_first_week_unless_switched(aggregator):
    assert shadow_on(aggregator)
    assert not shadow_on(aggregator, now=aggregator.created_at + timedelta(days=7, seconds=1))
    settings_row = ReconciliationSettings.objects.create(aggregator=aggregator, shadow_mode="off")
    assert not shadow_on(aggregator)
    settings_row.shadow_mode = "on"
    settings_row.save()
    assert shadow_on(aggregator, now=aggregator.created_at + timedelta(days=30))


def test_the_daily_shadow_summary_counts_and_sums_per_class(aggregator, money):
    money("bet", "b-1", 100)
    now = timezone.now()
    answer = settle(
        aggregator, "batch-1", round_event("ev-1", "r-1", [{"id": "b-1", "kind": "bet", "amount": 120}], now)
    )
    assert answer.applied_event_ids
    shadow_check_event(event_id=answer.applied_event_ids[0])
    (summary,) = shadow_summarize(day=now.date())
    assert summary.events == 1
    assert summary.counts == {"amount_mismatch": {"EUR": {"count": 1, "their_amount": 120, "our_amount": 100}}}
    assert shadow_summarize(day=now.date())[0].pk == summary.pk  # rewritten, not added


def test_the_hourly_task_runs_each_active_aggregator_over_the_last_hour_and_overlap(aggregator, money, settings):
    settings.RECONCILIATION_OVERLAP_SECONDS = 1800
    now = datetime(2026, 11, 29, 10, 7, tzinfo=UTC)
    assert hourly_window(aggregator, now) == (
        datetime(2026, 11, 29, 8, 30, tzinfo=UTC),
        datetime(2026, 11, 29, 10, tzinfo=UTC),
    )
    ReconciliationSettings.objects.create(aggregator=aggregator, overlap_seconds=0, shadow_mode="off")
    aggregator.refresh_from_db()
    assert hourly_window(aggregator, now)[0] == datetime(2026, 11, 29, 9, tzinfo=UTC)
    settle(
        aggregator, "batch-1", round_event("ev-1", "r-1", [{"id": "b-1", "kind": "bet", "amount": 1}], timezone.now())
    )
    celery_app.conf.task_always_eager = True
    try:
        assert reconcile_hourly() == [aggregator.pk]  # webhooks only: it has no report URL
    finally:
        celery_app.conf.task_always_eager = False
    run = ReconciliationRun.objects.get()
    assert (run.source, run.status) == ("webhook", "succeeded")
    assert run.window_end - run.window_start == timedelta(hours=1)
    assert SettlementEvent.objects.count() == 1

"""Pulled reports: paged, signed, 429 and backoff as catalog sync; a failed fetch fails the run
without a single false discrepancy; a run killed halfway leaves nothing and can be rerun."""

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from casino.outbound import RetryPolicy
from casino.signing import native_signature_matches
from reconciliation.clients.native import NativeReportClient
from reconciliation.models import Discrepancy, ReconciliationRun, Source, StagedTransaction
from reconciliation.services.runs import reconciliation_run
from tests.conftest import KEY_ID, SECRET, database_url

ROOT = Path(__file__).resolve().parents[2]
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, timeout=5)


class ReportServer(ThreadingHTTPServer):
    """Serves `rows` in pages of `page` items; `faults` are statuses answered first; `hold`
    (an Event) keeps every page after the first waiting until it is set."""

    daemon_threads = True

    def __init__(self, rows, *, page=2, faults=(), hold=None):
        self.rows, self.page, self.faults, self.hold = rows, page, list(faults), hold
        self.calls, self.seen_second_page = [], threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                query = dict(parse_qsl(urlsplit(self.path).query))
                server.calls.append((query, dict(self.headers)))
                ok = native_signature_matches([SECRET], self.headers["X-Timestamp"], b"", self.headers["X-Signature"])
                if server.faults:
                    status = server.faults.pop(0)
                    return self.answer(status, {"error": "injected"}, {"Retry-After": "0"} if status == 429 else {})
                if not ok or self.headers["X-Aggregator-Key"] != KEY_ID:
                    return self.answer(401, {"error": "bad signature"})
                offset = int(query.get("cursor") or 0)
                if offset and server.hold is not None:
                    server.seen_second_page.set()
                    server.hold.wait(30)
                items = server.rows[offset : offset + server.page]
                following = offset + server.page if offset + server.page < len(server.rows) else None
                self.answer(200, {"transactions": items, "next_cursor": str(following) if following else None})

            def answer(self, status, body, headers=None):
                raw = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self):
        if self.hold is not None:
            self.hold.set()
        self.shutdown()
        self.server_close()


def item(external_id, kind, amount, round_id="r-1"):
    at = timezone.now().isoformat()
    return {"id": external_id, "kind": kind, "player_id": "player-1", "round_id": round_id, "amount": amount,
            "currency": "EUR", "status": "settled", "time": at}  # fmt: skip


def test_a_paged_report_behind_a_429_and_a_500_is_read_whole(aggregator, money, window):
    money("bet", "b-1", 100)
    money("win", "w-1", 250, round_closed=True)
    money("bet", "b-2", 100, round_id="r-2")
    rows = [item("b-1", "bet", 100), item("w-1", "win", 250), item("b-2", "bet", 100, "r-2")]
    server = ReportServer(rows, page=2, faults=[429, 500])
    try:
        aggregator.api_base_url = server.url
        aggregator.save()
        client = NativeReportClient(aggregator, policy=FAST, sleep=lambda s: None)
        run = reconciliation_run(aggregator_id=aggregator.pk, start=window[0], end=window[1], client=client)
    finally:
        server.stop()
    assert run.status == "succeeded", run.error
    assert run.their_rows == 3 and run.counts == {}
    assert [q.get("cursor") for q, _ in server.calls] == [None, None, None, "2"]  # 429, 500, page 1, page 2


def test_a_report_that_cannot_be_fetched_fails_the_run_and_reports_nothing(aggregator, money, window):
    money("bet", "b-1", 100)
    server = ReportServer([], faults=[503, 503, 503])
    try:
        aggregator.api_base_url = server.url
        aggregator.save()
        client = NativeReportClient(aggregator, policy=FAST, sleep=lambda s: None)
        run = reconciliation_run(aggregator_id=aggregator.pk, start=window[0], end=window[1], client=client)
    finally:
        server.stop()
    assert run.status == "failed" and "no answer after 3 attempts (last status 503)" in run.error
    assert not Discrepancy.objects.exists()  # not "missing there" for everything we have
    assert not StagedTransaction.objects.exists()


def test_an_unreadable_report_item_fails_the_run_naming_it(aggregator, window):
    server = ReportServer([{**item("b-1", "bet", 100), "amount": "100"}])
    try:
        aggregator.api_base_url = server.url
        aggregator.save()
        client = NativeReportClient(aggregator, policy=FAST, sleep=lambda s: None)
        run = reconciliation_run(aggregator_id=aggregator.pk, start=window[0], end=window[1], client=client)
    finally:
        server.stop()
    assert run.status == "failed" and "report item 0" in run.error and "amount must be an integer" in run.error


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_killed_halfway_leaves_nothing_and_the_rerun_completes(aggregator, money):
    # given: a report of three pages; the second page keeps the run waiting
    money("bet", "b-1", 100)
    money("win", "w-1", 250, round_closed=True)
    money("bet", "b-2", 100, round_id="r-2")
    rows = [item("b-1", "bet", 100), item("w-1", "win", 300), item("b-2", "bet", 100, "r-2"), item("b-9", "bet", 5)]
    hold = threading.Event()
    server = ReportServer(rows, page=2, hold=hold)
    aggregator.api_base_url = server.url
    aggregator.save()
    start, end = timezone.now() - timedelta(hours=1), timezone.now() + timedelta(hours=1)
    env = {**os.environ, "DATABASE_URL": database_url(settings.DATABASES["default"]["NAME"])}
    worker = subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "reconcile", "--aggregator", "acme", "--from", start.isoformat(),
         "--to", end.isoformat()],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        # when: the worker is killed while it stages their side
        assert server.seen_second_page.wait(60), worker.stderr.read().decode() if worker.poll() is not None else ""
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        # then: the run is left running, with no result written
        killed = ReconciliationRun.objects.get()
        assert killed.status == "running" and not Discrepancy.objects.exists()
        # and a rerun finds it dead, drops its scratch rows and completes
        hold.set()
        rerun = reconciliation_run(aggregator_id=aggregator.pk, start=start, end=end, source=Source.REPORT)
    finally:
        server.stop()
    killed.refresh_from_db()
    assert killed.status == "failed" and killed.error.startswith("interrupted")
    assert rerun.status == "succeeded", rerun.error
    assert rerun.counts == {"amount_mismatch": 1, "missing_here": 1}
    assert not StagedTransaction.objects.exists()

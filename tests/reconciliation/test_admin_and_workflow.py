"""Staff: the discrepancy list and page, the workflow (history, adjustment through the wallet),
CSV export, statement upload, starting a run, stale rounds; and the selectors ops shows."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reconciliation.models import Discrepancy, ReconciliationRun, StatementImport
from reconciliation.parsing import TheirRow
from reconciliation.selectors import open_discrepancy_counts, stale_round_counts
from reconciliation.services.discrepancies import WorkflowError, discrepancy_adjustments_settle, discrepancy_resolve
from reconciliation.services.runs import reconciliation_run
from reconciliation.services.stale import RoundAtAggregator, StaleRoundError, stale_round_resolve
from tests.conftest import balance_of
from tests.reconciliation.conftest import their
from wallet.models import GameRound, MoneyRequest
from wallet.services.money_requests import money_request_approve, money_request_reject


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("boss", password="pw-long-enough-1")


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def found(aggregator, money, window):
    """One amount mismatch (b-1: 100 here, 150 there) and one missing here (w-9)."""
    money("bet", "b-1", 100)
    rows = [their("b-1", "bet", 150), their("w-9", "win", 70, player_id="player-1")]
    run = reconciliation_run(aggregator_id=aggregator.pk, start=window[0], end=window[1], rows=rows)
    assert run.counts == {"amount_mismatch": 1, "missing_here": 1}
    return {d.kind: d for d in Discrepancy.objects.all()}


def test_the_list_filters_and_the_page_shows_both_sides_and_the_round(admin_client, found):
    url = reverse("admin:reconciliation_discrepancy_changelist")
    for query in (
        "",
        "?kind=amount_mismatch",
        "?status=open",
        "?age=1h",
        "?age=old",
        "?q=player-1",
        "?aggregator__id__exact=1",
    ):
        assert admin_client.get(url + query).status_code == 200, query
    listed = admin_client.get(url + "?kind=missing_here").content.decode()
    assert "w-9" in listed and "b-1" not in listed
    page = admin_client.get(reverse("admin:reconciliation_discrepancy_change", args=[found["amount_mismatch"].pk]))
    text = page.content.decode()
    assert "1.50 EUR" in text and "1.00 EUR" in text  # their amount, ours: major units with currency
    assert "balance after" in text and "b-1" in text  # the round's calls and ledger rows
    assert "run" in text  # the evidence: the run that found it


def test_investigate_then_an_adjustment_waits_for_four_eyes_and_resolves_when_approved(
    admin_client, found, player, staff, django_user_model
):
    missing = found["missing_here"]
    url = reverse("admin:reconciliation_discrepancy_workflow", args=[missing.pk])
    admin_client.post(url, {"action": "investigate", "note": "asking the aggregator", "request_key": uuid.uuid4()})
    missing.refresh_from_db()
    assert missing.status == "investigating"
    before = balance_of(player)
    form = {
        "action": "resolve",
        "resolution": "adjusted",
        "note": "win lost on the way; paid",
        "adjust": "0.70",
        "request_key": uuid.uuid4(),
    }
    response = admin_client.post(url, form)
    admin_client.post(url, form)  # the form sent twice asks once
    assert response.status_code == 302, response.content.decode()[:2000]
    # waiting for a second person (the four-eyes threshold is 0 here): no money has moved
    missing.refresh_from_db()
    request = missing.money_request
    assert (missing.status, request.status, request.amount) == ("investigating", "pending", 70)
    assert request.source == f"reconciliation:discrepancy:{missing.pk}"
    assert MoneyRequest.objects.count() == 1 and balance_of(player) == before
    assert discrepancy_adjustments_settle() == 0
    # a second person approves; the next settle resolves the discrepancy with the posting
    approver = django_user_model.objects.create_superuser("finance-2", password="pw-long-enough-2")
    money_request_approve(request_id=request.pk, staff_user=approver)
    assert discrepancy_adjustments_settle() == 1
    missing.refresh_from_db()
    assert (missing.status, missing.resolution, missing.resolved_by) == ("resolved", "adjusted", staff)
    assert balance_of(player) == before + 70
    adjustment = missing.adjustment
    assert (adjustment.kind, adjustment.created_by, adjustment.approved_by) == ("adjustment", staff, approver)
    assert "win lost on the way" in adjustment.memo
    reasons = list(missing.history.order_by("history_id").values_list("status", "history_change_reason"))
    assert [r[0] for r in reasons] == ["open", "investigating", "investigating", "resolved"]
    assert reasons[1][1] == "asking the aggregator" and "money request" in reasons[2][1]


def test_a_small_adjustment_posts_at_once_and_a_rejected_one_goes_back_to_investigation(
    found, player, staff, django_user_model, settings
):
    settings.FOUR_EYES_DEFAULT_THRESHOLD = 100  # 1.00 EUR and less: one person is enough
    small = discrepancy_resolve(
        discrepancy_id=found["missing_here"].pk, resolution="adjusted", note="paid", staff_user=staff, adjust_amount=70
    )
    assert (small.status, small.adjustment.created_by) == ("resolved", staff)
    big = discrepancy_resolve(
        discrepancy_id=found["amount_mismatch"].pk,
        resolution="adjusted",
        note="refund",
        staff_user=staff,
        adjust_amount=5000,
    )
    assert big.status == "investigating"
    approver = django_user_model.objects.create_superuser("finance-2", password="pw-long-enough-2")
    money_request_reject(request_id=big.money_request_id, staff_user=approver, note="not ours to pay")
    assert discrepancy_adjustments_settle() == 1
    big.refresh_from_db()
    assert (big.status, big.money_request) == ("investigating", None)
    assert "not ours to pay" in big.note


def test_a_resolution_needs_a_note_and_only_an_adjustment_moves_money(found, staff):
    mismatch = found["amount_mismatch"]
    with pytest.raises(WorkflowError, match="needs a note"):
        discrepancy_resolve(discrepancy_id=mismatch.pk, resolution="accepted", note="", staff_user=staff)
    with pytest.raises(WorkflowError, match="only an adjustment"):
        discrepancy_resolve(
            discrepancy_id=mismatch.pk, resolution="accepted", note="x", staff_user=staff, adjust_amount=5
        )
    discrepancy_resolve(
        discrepancy_id=mismatch.pk, resolution="false_positive", note="their report bug", staff_user=staff
    )
    with pytest.raises(WorkflowError, match="already resolved"):
        discrepancy_resolve(discrepancy_id=mismatch.pk, resolution="accepted", note="x", staff_user=staff)


def test_csv_export_opens_in_a_spreadsheet(admin_client, found):
    Discrepancy.objects.filter(pk=found["amount_mismatch"].pk).update(note="=HYPERLINK(evil)")
    response = admin_client.post(
        reverse("admin:reconciliation_discrepancy_changelist"),
        {"action": "export_csv", "_selected_action": [d.pk for d in found.values()]},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_id = {r["transaction_id"]: r for r in rows}
    assert (by_id["b-1"]["their_amount"], by_id["b-1"]["our_amount"], by_id["b-1"]["our_currency"]) == (
        "1.50",
        "1.00",
        "EUR",
    )
    assert by_id["b-1"]["note"] == "'=HYPERLINK(evil)"
    assert by_id["w-9"]["class"] == "missing_here"


def test_a_statement_upload_reports_bad_lines_and_imports_a_good_file(admin_client, aggregator):
    url = reverse("admin:reconciliation_statementimport_add")
    header = "id,kind,player_id,round_id,amount,currency,status,time\n"
    bad = SimpleUploadedFile("bad.csv", (header + "b-1,bet,p,r,1x,EUR,settled,2026-11-29T10:00:00Z\n").encode())
    page = admin_client.post(url, {"aggregator": aggregator.pk, "file": bad})
    assert page.status_code == 200 and "line 2: amount" in page.content.decode()
    assert not StatementImport.objects.exists()
    good = SimpleUploadedFile("good.csv", (header + "b-1,bet,p,r,100,EUR,settled,2026-11-29T10:00:00Z\n").encode())
    assert admin_client.post(url, {"aggregator": aggregator.pk, "file": good}).status_code == 302
    assert StatementImport.objects.get().rows == 1


def test_runs_list_with_counts_and_the_start_form(admin_client, found, aggregator):
    listed = admin_client.get(reverse("admin:reconciliation_reconciliationrun_changelist")).content.decode()
    assert "Amount mismatch" in listed
    form = admin_client.get(reverse("admin:reconciliation_run_start"))
    assert form.status_code == 200
    wrong = admin_client.post(
        reverse("admin:reconciliation_run_start"),
        {"aggregator": aggregator.pk, "source": "report", "start": "2026-11-29 11:00", "end": "2026-11-29 10:00"},
    )
    assert "must end after it starts" in wrong.content.decode()
    assert ReconciliationRun.objects.count() == 1


def test_stale_rounds_are_closed_and_refunded_only_when_the_aggregator_confirms_void(
    admin_client, aggregator, money, player, staff, settings
):
    money("bet", "b-1", 100, round_id="stale-1")
    GameRound.objects.filter(external_id="stale-1").update(last_activity_at=timezone.now() - timedelta(days=2))
    settings.STALE_ROUND_AFTER_SECONDS = 3600
    assert stale_round_counts() == {"acme": 1}
    round_ = GameRound.objects.get()
    listed = admin_client.get(reverse("admin:reconciliation_staleround_changelist")).content.decode()
    assert "stale-1" in listed
    # the aggregator still counts the bet: no refund
    settled = RoundAtAggregator((TheirRow("b-1", "bet", "player-1", "stale-1", 100, "EUR", "settled", timezone.now()),))
    with pytest.raises(StaleRoundError, match="does not confirm"):
        stale_round_resolve(round_id=round_.pk, staff_user=staff, reason="x", refund=True, lookup=settled)
    void = RoundAtAggregator(
        (TheirRow("b-1", "bet", "player-1", "stale-1", 100, "EUR", "rolled_back", timezone.now()),)
    )
    refunds = stale_round_resolve(round_id=round_.pk, staff_user=staff, reason="void there", refund=True, lookup=void)
    assert len(refunds) == 1 and balance_of(player) == 10_000
    assert stale_round_counts() == {}


def test_the_close_page_says_when_the_report_cannot_be_read(admin_client, aggregator, money, settings):
    money("bet", "b-1", 100, round_id="stale-2")
    GameRound.objects.filter(external_id="stale-2").update(last_activity_at=timezone.now() - timedelta(days=2))
    settings.STALE_ROUND_AFTER_SECONDS = 3600
    round_ = GameRound.objects.get()
    page = admin_client.get(reverse("admin:reconciliation_staleround_close", args=[round_.pk])).content.decode()
    assert "could not be read" in page and "has no API base URL" in page
    closed = admin_client.post(
        reverse("admin:reconciliation_staleround_close", args=[round_.pk]), {"reason": "settled"}
    )
    assert closed.status_code == 302
    round_.refresh_from_db()
    assert round_.status == "closed"


def test_open_discrepancy_counts_per_aggregator(found, staff):
    assert open_discrepancy_counts() == {"acme": 2}
    discrepancy_resolve(discrepancy_id=found["missing_here"].pk, resolution="accepted", note="ok", staff_user=staff)
    assert open_discrepancy_counts() == {"acme": 1}


def test_metrics_and_the_dashboard_show_open_discrepancies_and_stale_rounds(admin_client, found, money, settings):
    money("bet", "b-s", 100, round_id="stale-3")
    GameRound.objects.filter(external_id="stale-3").update(last_activity_at=timezone.now() - timedelta(days=2))
    settings.STALE_ROUND_AFTER_SECONDS = 3600
    text = admin_client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'casino_reconciliation_open_discrepancies{aggregator="acme"} 2.0' in text
    assert 'casino_reconciliation_stale_rounds{aggregator="acme"} 1.0' in text
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="reconciliation"' in page and "Amount mismatch 1" in page.replace("amount mismatch", "Amount mismatch")
    listed = admin_client.get(
        reverse("admin:reconciliation_discrepancy_changelist")
        + f"?aggregator__id__exact={found['amount_mismatch'].aggregator_id}&status__in=open,investigating"
    )
    assert listed.status_code == 200 and "b-1" in listed.content.decode()  # the panel's link

"""POST /api/v1/settlement/events: signed like the wallet calls; each event applied once, in any
order; a redelivered batch gets the first answer; a bad event is refused alone; forged or stale
signatures change nothing; the raw request is kept as evidence."""

import json
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from casino.signing import native_signature
from reconciliation.models import Discrepancy, SettledTransaction, SettlementEvent, SettlementRequest
from reconciliation.services.shadow import shadow_match_pending
from tests.conftest import KEY_ID, SECRET

URL = "/api/v1/settlement/events"


def post(client, body, *, secret=SECRET, timestamp=None, raw=None):
    raw = raw if raw is not None else json.dumps(body).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"X-Aggregator-Key": KEY_ID, "X-Timestamp": ts, "X-Signature": native_signature(secret, ts, raw)}
    return client.post(URL, raw, content_type="application/json", headers=headers)


def round_settled(event_id="ev-1", round_id="r-1", *, bet=("b-1", 100), win=("w-1", 250), player="player-1"):
    transactions = [{"id": bet[0], "kind": "bet", "amount": bet[1]}]
    if win:
        transactions.append({"id": win[0], "kind": "win", "amount": win[1]})
    return {
        "event_id": event_id,
        "type": "round_settled",
        "round_id": round_id,
        "player_id": player,
        "currency": "EUR",
        "transactions": transactions,
        "bet_total": bet[1],
        "win_total": win[1] if win else 0,
        "settled_at": timezone.now().isoformat(),
    }


def test_a_batch_is_applied_and_kept_as_evidence(client, aggregator, money):
    money("bet", "b-1", 100)
    money("win", "w-1", 250, round_closed=True)
    body = {"batch_id": "batch-1", "events": [round_settled()]}
    response = post(client, body)
    assert response.status_code == 200, response.content
    assert response.json()["results"] == [{"event_id": "ev-1", "index": 0, "status": "applied"}]
    evidence = SettlementRequest.objects.get()
    assert json.loads(bytes(evidence.body)) == body
    assert evidence.headers["X-Aggregator-Key"] == KEY_ID and evidence.headers["X-Signature"]
    assert SettledTransaction.objects.count() == 2
    # shadow mode (a new aggregator): compared at once, and it matches
    assert SettlementEvent.objects.get().matched_at is not None
    assert not Discrepancy.objects.exists()


def test_a_redelivered_batch_gets_the_first_answer_and_applies_nothing_twice(client, aggregator):
    body = {"batch_id": "batch-1", "events": [round_settled()]}
    first = post(client, body)
    # resent, serialised differently
    again = post(client, body, raw=json.dumps(body, indent=2, sort_keys=True).encode())
    assert again.status_code == 200 and again.json() == first.json()
    assert SettlementEvent.objects.count() == 1 and SettlementRequest.objects.count() == 1
    # the same batch id with other content is refused
    other = post(client, {"batch_id": "batch-1", "events": [round_settled("ev-2", "r-2")]})
    assert other.status_code == 409 and other.json()["code"] == "DUPLICATE_TRANSACTION"


def test_an_event_redelivered_in_another_batch_is_a_duplicate(client, aggregator):
    post(client, {"batch_id": "batch-1", "events": [round_settled()]})
    response = post(client, {"batch_id": "batch-2", "events": [round_settled(), round_settled("ev-2", "r-2")]})
    assert [r["status"] for r in response.json()["results"]] == ["duplicate", "applied"]
    assert SettlementEvent.objects.count() == 2


def test_a_bad_event_is_refused_with_its_reason_and_the_rest_applied(client, aggregator):
    bad_totals = round_settled("ev-2", "r-2")
    bad_totals["bet_total"] = 999
    events = [round_settled(), {"event_id": "ev-x", "type": "round_exploded"}, bad_totals, round_settled("ev-3", "r-3")]
    response = post(client, {"batch_id": "batch-1", "events": events})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", "refused", "refused", "applied"]
    assert "type must be" in results[1]["reason"]
    assert "bet_total/win_total 999/250" in results[2]["reason"]
    assert set(SettlementEvent.objects.values_list("event_id", flat=True)) == {"ev-1", "ev-3"}


@override_settings(SETTLEMENT_MATCH_GRACE_SECONDS=300)
def test_an_event_before_its_last_win_waits_and_matches_when_the_win_comes(client, aggregator, money):
    money("bet", "b-1", 100)
    post(client, {"batch_id": "batch-1", "events": [round_settled()]})  # the win has not reached us
    event = SettlementEvent.objects.get()
    assert event.matched_at is None and not Discrepancy.objects.exists()
    money("win", "w-1", 250, round_closed=True)
    assert shadow_match_pending() == 1
    event.refresh_from_db()
    assert event.matched_at is not None and not Discrepancy.objects.exists()


@override_settings(SETTLEMENT_MATCH_GRACE_SECONDS=300)
def test_an_event_whose_win_never_comes_is_a_discrepancy_after_the_grace(client, aggregator, money):
    money("bet", "b-1", 100)
    post(client, {"batch_id": "batch-1", "events": [round_settled()]})
    assert shadow_match_pending(now=timezone.now() + timedelta(seconds=301)) == 1
    missing = Discrepancy.objects.get()
    assert (missing.kind, missing.transaction_id, missing.source) == ("missing_here", "w-1", "webhook")
    assert missing.evidence.event_id == "ev-1"


@pytest.mark.parametrize(
    ("secret", "skew", "why"),
    [("forged-secret", 0, "signature does not match"), (SECRET, 3600, "outside the allowed window")],
)
def test_a_forged_or_stale_signature_is_refused_and_changes_nothing(client, aggregator, secret, skew, why):
    response = post(
        client, {"batch_id": "b", "events": [round_settled()]}, secret=secret, timestamp=int(time.time()) - skew
    )
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_SIGNATURE" and why in response.json()["message"]
    assert not SettlementRequest.objects.exists() and not SettlementEvent.objects.exists()


def test_an_unreadable_batch_is_a_400_with_a_code(client, aggregator):
    for raw in (b"not json", json.dumps({"events": []}).encode(), json.dumps({"batch_id": "x", "events": 3}).encode()):
        response = post(client, None, raw=raw)
        assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
    assert not SettlementRequest.objects.exists()


def test_session_closed_totals_that_differ_from_ours_are_an_amount_mismatch(client, aggregator, money, session):
    money("bet", "b-1", 100)
    money("win", "w-1", 250, round_closed=True)
    closed = {
        "event_id": "ev-s",
        "type": "session_closed",
        "session_token": session.token,
        "player_id": "player-1",
        "currency": "EUR",
        "bet_total": 100,
        "win_total": 300,
        "closed_at": timezone.now().isoformat(),
    }
    post(client, {"batch_id": "batch-s", "events": [closed]})
    mismatch = Discrepancy.objects.get()
    assert mismatch.kind == "amount_mismatch" and mismatch.transaction_id == f"session:{session.token}"
    assert (mismatch.their_amount, mismatch.our_amount) == (-200, -150)


def test_the_openapi_schema_describes_the_endpoint(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/settlement/events" in schema and "round_settled" in schema


def test_hostile_fields_are_refused_or_ignored_never_a_500(client, aggregator):
    with_nul = {**round_settled(), "note": "a\u0000b", "settled_at": "2026-11-29T10:00:00Z"}
    long_token = {
        "event_id": "ev-2",
        "type": "session_closed",
        "session_token": "t" * 65,
        "currency": "EUR",
        "bet_total": 0,
        "win_total": 0,
        "closed_at": "2026-11-29T10:00:00Z",
    }
    huge = {**round_settled("ev-3", "r-3"), "bet_total": 2**70}
    response = post(client, {"batch_id": "batch-h", "events": [with_nul, long_token, huge]})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", "refused", "refused"]
    assert "session_token is longer than 64" in results[1]["reason"]
    assert "note" not in SettlementEvent.objects.get().payload  # the raw bytes keep it


def test_an_event_id_we_could_not_keep_is_answered_as_null_not_a_503(client, aggregator):
    bad = {**round_settled(), "event_id": "ev\u0000-1"}
    batch = {"batch_id": "batch-nul", "events": [bad, round_settled("ev-2", "r-2")]}
    response = post(client, batch)
    assert response.status_code == 200, response.content
    first, second = response.json()["results"]
    assert (first["event_id"], first["status"], second["status"]) == (None, "refused", "applied")
    # and the redelivery gets that stored answer back
    assert post(client, batch).json() == response.json()

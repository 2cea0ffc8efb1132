"""Native protocol v1: every error code as an aggregator sees it (HTTP status and body), the
signature rules, and the exactly-once rules for resends (docs/native-protocol.md, sections 3, 5, 6)."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from casino.models import Player
from casino.signing import native_signature
from games.services import aggregator_create, session_open
from tests.conftest import KEY_ID, SECRET, balance_of, make_player
from wallet import api
from wallet.models import AggregatorTransaction, LedgerTransaction, Wallet
from wallet.services import wallet_deposit

ERROR_KEYS = {"status", "code", "message"}


def assert_error(response, status: int, code: str, *, balance: int | None = None) -> dict:
    """The error shape: {"status": "ERROR", "code", "message"} plus "balance" when the wallet is known."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "ERROR"
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    if balance is None:
        assert set(body) == ERROR_KEYS
    else:
        assert set(body) == ERROR_KEYS | {"balance"}
        assert body["balance"] == balance
    return body


def money_moved() -> int:
    return LedgerTransaction.objects.filter(kind__in=["bet", "win", "rollback"]).count()


class FrozenTime:
    """The `time` module, but with time.time() standing still at `now`."""

    def __init__(self, now: int):
        self.now = now

    def time(self) -> float:
        return float(self.now)

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.fixture
def frozen_clock(monkeypatch):
    """Our clock stands still at a whole second, so windows can be tested to the second."""
    now = int(time.time())
    monkeypatch.setattr(api.auth, "time", FrozenTime(now))
    return now


# --- VALIDATION_ERROR (400): nothing is looked up, nothing is remembered ---------------------


def test_a_body_that_is_not_json_is_a_validation_error(native, session, player):
    response = native.post("bet", b'{"player_id": "player-1", ')

    assert_error(response, 400, "VALIDATION_ERROR")
    assert balance_of(player) == 10_000


def test_a_json_body_that_is_not_an_object_is_a_validation_error(native, call):
    response = native.post("bet", json.dumps([call("bet", transaction_id="bet-1", amount=100)]).encode())

    assert_error(response, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("missing", ["player_id", "session_token", "currency", "transaction_id", "round_id", "amount"])
def test_a_bet_missing_a_required_field_is_a_validation_error_naming_it(native, call, player, missing):
    body = call("bet", transaction_id="bet-1", amount=100)
    del body[missing]

    response = native.post("bet", body)

    assert missing in assert_error(response, 400, "VALIDATION_ERROR")["message"]
    assert balance_of(player) == 10_000


@pytest.mark.parametrize("amount", ["10", 10.5, 10.0, True, -1, None], ids=repr)
def test_an_amount_that_is_not_a_non_negative_json_integer_is_a_validation_error(native, call, player, amount):
    response = native.post("win", call("win", transaction_id="win-1", amount=amount, spin_type="free"))

    assert_error(response, 400, "VALIDATION_ERROR")
    assert balance_of(player) == 10_000


def test_a_bet_of_zero_is_a_validation_error(native, call, player):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=0))

    assert "amount" in assert_error(response, 400, "VALIDATION_ERROR")["message"]


def test_an_unknown_spin_type_is_a_validation_error(native, call):
    response = native.post("win", call("win", transaction_id="win-1", amount=100, spin_type="bonus"))

    assert "spin_type" in assert_error(response, 400, "VALIDATION_ERROR")["message"]


def test_a_nul_character_in_an_id_is_a_validation_error_not_a_retry(native, call):
    response = native.post("bet", call("bet", transaction_id="bet\u00001", amount=100))

    assert_error(response, 400, "VALIDATION_ERROR")


def test_a_refused_invalid_bet_leaves_no_trace_so_its_id_is_applied_when_sent_correctly(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount="250"))

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=250))

    assert response.status_code == 200
    assert balance_of(player) == 9_750


# --- INVALID_SIGNATURE (401) -----------------------------------------------------------------


@pytest.mark.parametrize("header", ["X-Aggregator-Key", "X-Timestamp", "X-Signature"])
def test_a_request_without_an_auth_header_is_refused(native, call, player, header):
    body = json.dumps(call("bet", transaction_id="bet-1", amount=100)).encode()
    ts = str(int(time.time()))
    headers = {"X-Aggregator-Key": KEY_ID, "X-Timestamp": ts, "X-Signature": native_signature(SECRET, ts, body)}
    del headers[header]

    response = native.client.post("/api/v1/wallet/bet", body, content_type="application/json", headers=headers)

    assert_error(response, 401, "INVALID_SIGNATURE")
    assert balance_of(player) == 10_000


def test_an_unknown_key_id_is_refused(native, call):
    native.key_id = "nobody"

    response = native.post("balance", call("balance"))

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_a_key_id_with_a_nul_character_is_refused_not_answered_retry(native, call):
    native.key_id = KEY_ID + "\x00"

    response = native.post("balance", call("balance"))

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_an_inactive_aggregator_is_refused(native, call, aggregator):
    aggregator.is_active = False
    aggregator.save()

    response = native.post("balance", call("balance"))

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_a_signature_made_with_another_secret_is_refused(native, call, player):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100), secret="not-the-secret")

    assert_error(response, 401, "INVALID_SIGNATURE")
    assert balance_of(player) == 10_000


def test_a_body_changed_after_signing_is_refused(native, call, player):
    ts = str(int(time.time()))
    signed = json.dumps(call("bet", transaction_id="bet-1", amount=100)).encode()
    sent = json.dumps(call("bet", transaction_id="bet-1", amount=9_000)).encode()

    response = native.post(
        "bet", sent, timestamp=int(ts), headers={"X-Signature": native_signature(SECRET, ts, signed)}
    )

    assert_error(response, 401, "INVALID_SIGNATURE")
    assert balance_of(player) == 10_000


def test_a_signature_over_the_body_alone_without_the_timestamp_is_refused(native, call):
    ts = int(time.time())
    body = json.dumps(call("balance")).encode()
    body_only = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

    response = native.post("balance", body, timestamp=ts, headers={"X-Signature": body_only})

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_a_timestamp_older_than_the_allowed_skew_is_refused(native, call, aggregator, frozen_clock):
    aggregator.allowed_skew_seconds = 30
    aggregator.save()

    response = native.post("balance", call("balance"), timestamp=frozen_clock - 31)

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_a_timestamp_exactly_at_the_allowed_skew_is_accepted_either_way(native, call, aggregator, frozen_clock):
    aggregator.allowed_skew_seconds = 30
    aggregator.save()

    late = native.post("balance", call("balance"), timestamp=frozen_clock - 30)
    early = native.post("balance", call("balance"), timestamp=frozen_clock + 30)

    assert (late.status_code, early.status_code) == (200, 200)


def test_a_timestamp_in_the_future_beyond_the_allowed_skew_is_refused(native, call, frozen_clock):
    response = native.post("balance", call("balance"), timestamp=frozen_clock + 31)

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_the_allowed_skew_is_set_per_aggregator(native, call, aggregator, frozen_clock):
    aggregator.allowed_skew_seconds = 5
    aggregator.save()

    response = native.post("balance", call("balance"), timestamp=frozen_clock - 6)

    assert_error(response, 401, "INVALID_SIGNATURE")


@pytest.mark.parametrize("timestamp", ["soon", "1.7e9", "1700000000.5", "-30", " 1700000000", "１２３", "9" * 5000])
def test_a_timestamp_that_is_not_whole_unix_seconds_is_refused(native, call, timestamp):
    body = json.dumps(call("balance")).encode()
    signature = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()

    response = native.post("balance", body, headers={"X-Timestamp": timestamp, "X-Signature": signature})

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_a_signature_in_upper_case_hex_is_accepted(native, call, player):
    ts = str(int(time.time()))
    body = json.dumps(call("bet", transaction_id="bet-1", amount=100)).encode()

    response = native.post("bet", body, headers={"X-Signature": native_signature(SECRET, ts, body).upper()})

    assert response.status_code == 200
    assert balance_of(player) == 9_900


@pytest.mark.parametrize("signature", ["not-hex", "é" * 64, ""], ids=["not hex", "not ascii", "empty"])
def test_a_malformed_signature_is_refused_not_a_server_error(native, call, signature):
    response = native.post("balance", call("balance"), headers={"X-Signature": signature})

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_during_a_rotation_the_previous_secret_still_signs_and_a_third_does_not(native, call, aggregator):
    aggregator.previous_signing_secret = SECRET
    aggregator.signing_secret = "the-new-secret"
    aggregator.save()

    new = native.post("balance", call("balance"), secret="the-new-secret")
    previous = native.post("balance", call("balance"), secret=SECRET)
    other = native.post("balance", call("balance"), secret="a-third-secret")

    assert (new.status_code, previous.status_code) == (200, 200)
    assert_error(other, 401, "INVALID_SIGNATURE")


def test_once_the_rotation_ends_the_previous_secret_is_refused(native, call, aggregator):
    aggregator.signing_secret = "the-new-secret"
    aggregator.previous_signing_secret = ""
    aggregator.save()

    response = native.post("balance", call("balance"), secret=SECRET)

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_a_key_of_another_protocol_cannot_sign_native_calls(native, call, player):
    aggregator_create(code="hub", protocol="hub88", signing_secret="hub-secret", key_id="hub-key")
    native.key_id, native.secret = "hub-key", "hub-secret"

    response = native.post("balance", call("balance"))

    assert_error(response, 401, "INVALID_SIGNATURE")


def test_a_badly_signed_bet_leaves_no_trace_so_its_id_correctly_signed_is_applied_as_new(native, call, player):
    body = call("bet", transaction_id="bet-1", amount=250)
    refused = native.post("bet", body, secret="wrong")
    assert refused.status_code == 401
    assert not AggregatorTransaction.objects.exists()

    response = native.post("bet", body)

    assert response.status_code == 200
    assert response.json()["balance"] == 9_750
    assert balance_of(player) == 9_750


# --- Business refusals (402, 403, 422): answered with the balance, and remembered -------------


def test_a_bet_above_the_balance_is_refused_with_the_balance(native, call, player):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=10_001))

    assert_error(response, 402, "INSUFFICIENT_FUNDS", balance=10_000)
    assert balance_of(player) == 10_000
    assert money_moved() == 0


def test_a_bet_of_the_whole_balance_is_accepted(native, call, player):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=10_000))

    assert response.status_code == 200
    assert balance_of(player) == 0


def test_a_remembered_refusal_is_answered_identically_on_resend_even_after_a_deposit(native, call, player):
    body = call("bet", transaction_id="bet-1", amount=20_000)
    first = native.post("bet", body)
    wallet_deposit(wallet_id=Wallet.objects.get(player=player).pk, amount=50_000)

    resend = native.post("bet", body)

    assert resend.status_code == first.status_code == 402
    assert resend.content == first.content
    assert balance_of(player) == 60_000


def test_a_refused_bet_stays_refused_on_resend_after_the_player_is_unblocked(native, call, player):
    Player.objects.filter(pk=player.pk).update(status=Player.Status.BLOCKED)
    body = call("bet", transaction_id="bet-1", amount=100)
    first = native.post("bet", body)
    Player.objects.filter(pk=player.pk).update(status=Player.Status.ACTIVE)

    resend = native.post("bet", body)

    assert resend.status_code == first.status_code == 403
    assert resend.content == first.content
    assert balance_of(player) == 10_000


def test_a_refused_win_stays_refused_on_resend_after_its_bet_arrives(native, call, player):
    win = call("win", transaction_id="win-1", amount=500)
    first = native.post("win", win)
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    resend = native.post("win", win)

    assert resend.status_code == first.status_code == 422
    assert resend.content == first.content
    assert balance_of(player) == 9_900


def test_a_blocked_player_cannot_bet(native, call, player):
    Player.objects.filter(pk=player.pk).update(status=Player.Status.BLOCKED)

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    assert_error(response, 403, "PLAYER_BLOCKED", balance=10_000)
    assert balance_of(player) == 10_000


def test_a_bet_on_an_expired_session_is_refused(native, call, session, player):
    session.expires_at = timezone.now() - timedelta(seconds=1)
    session.save()

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    assert_error(response, 403, "SESSION_EXPIRED", balance=10_000)
    assert balance_of(player) == 10_000


def test_the_balance_is_still_answered_on_an_expired_session(native, call, session):
    session.expires_at = timezone.now() - timedelta(seconds=1)
    session.save()

    response = native.post("balance", call("balance"))

    assert response.status_code == 200
    assert response.json() == {"status": "OK", "balance": 10_000, "currency": "EUR"}


def test_the_balance_is_still_answered_for_a_blocked_player(native, call, player):
    Player.objects.filter(pk=player.pk).update(status=Player.Status.BLOCKED)

    response = native.post("balance", call("balance"))

    assert response.json() == {"status": "OK", "balance": 10_000, "currency": "EUR"}


def test_an_unknown_player_is_not_found(native, call):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100, player_id="ghost"))

    assert_error(response, 404, "PLAYER_NOT_FOUND")


def test_an_unknown_session_is_not_found_and_answers_no_balance(native, call, player):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100, session_token="no-such-token"))

    assert_error(response, 404, "SESSION_NOT_FOUND")
    assert balance_of(player) == 10_000


def test_another_players_session_is_not_found_and_answers_no_balance(native, call, aggregator, player):
    other = make_player("player-2", deposit=500)
    theirs = session_open(player=other, aggregator=aggregator, game_code="book-of-tests", currency="EUR")

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100, session_token=theirs.token))

    assert_error(response, 404, "SESSION_NOT_FOUND")
    assert (balance_of(player), balance_of(other)) == (10_000, 500)


def test_another_aggregators_session_is_not_found(native, call, player):
    rival = aggregator_create(code="rival", signing_secret="rival-secret", key_id="rival-key")
    native.key_id, native.secret = rival.key_id, "rival-secret"

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    assert_error(response, 404, "SESSION_NOT_FOUND")
    assert balance_of(player) == 10_000


def test_an_unknown_session_is_not_remembered(native, call, player):
    body = call("bet", transaction_id="bet-1", amount=100)
    native.post("bet", {**body, "session_token": "no-such-token"})

    response = native.post("bet", body)

    assert response.status_code == 200
    assert balance_of(player) == 9_900


def test_the_same_transaction_id_with_other_content_is_a_duplicate(native, call, player):
    first = native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=200))

    assert_error(response, 409, "DUPLICATE_TRANSACTION", balance=9_900)
    assert balance_of(player) == 9_900
    assert native.post("bet", call("bet", transaction_id="bet-1", amount=100)).content == first.content


def test_a_transaction_id_reused_for_another_kind_of_call_is_a_duplicate(native, call, player):
    native.post("bet", call("bet", transaction_id="tx-1", amount=100))

    response = native.post("win", call("win", transaction_id="tx-1", amount=100))

    assert_error(response, 409, "DUPLICATE_TRANSACTION", balance=9_900)
    assert balance_of(player) == 9_900


def test_a_cash_win_without_a_bet_is_transaction_not_found(native, call, player):
    response = native.post("win", call("win", transaction_id="win-1", amount=500))

    assert_error(response, 422, "TRANSACTION_NOT_FOUND", balance=10_000)
    assert balance_of(player) == 10_000


def test_a_bet_whose_rollback_came_first_is_transaction_rolled_back(native, call, player):
    native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100))

    assert_error(response, 422, "TRANSACTION_ROLLED_BACK", balance=10_000)
    assert balance_of(player) == 10_000


def test_a_rollback_naming_a_win_is_transaction_already_settled(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("win", call("win", transaction_id="win-1", amount=300))

    response = native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="win-1"))

    assert_error(response, 422, "TRANSACTION_ALREADY_SETTLED", balance=10_200)
    assert balance_of(player) == 10_200


def test_a_bet_in_a_closed_round_is_round_closed(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100, round_closed=True))

    response = native.post("bet", call("bet", transaction_id="bet-2", amount=100))

    assert_error(response, 422, "ROUND_CLOSED", balance=9_900)
    assert balance_of(player) == 9_900


def test_a_bet_in_another_currency_than_the_sessions_is_a_currency_mismatch(native, call, player):

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=100, currency="USD"))

    assert_error(response, 422, "CURRENCY_MISMATCH", balance=10_000)
    assert balance_of(player) == 10_000


def test_a_balance_asked_in_another_currency_is_a_currency_mismatch(native, call):
    response = native.post("balance", call("balance", currency="GBP"))

    assert_error(response, 422, "CURRENCY_MISMATCH", balance=10_000)


# --- RATE_LIMITED (429) ----------------------------------------------------------------------


def test_calls_above_the_aggregators_rate_limit_get_429_with_retry_after(native, call, aggregator, frozen_clock):
    cache.clear()  # counters from an earlier run in the same minute would count against us
    aggregator.rate_limit_per_minute = 2
    aggregator.save()

    answers = [native.post("balance", call("balance"), timestamp=frozen_clock) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_error(answers[2], 429, "RATE_LIMITED")
    assert 1 <= int(answers[2]["Retry-After"]) <= 60


def test_a_rate_limited_bet_is_not_remembered(native, call, aggregator, player, frozen_clock, monkeypatch):
    cache.clear()
    aggregator.rate_limit_per_minute = 1
    aggregator.save()
    body = call("bet", transaction_id="bet-1", amount=100)
    native.post("balance", call("balance"), timestamp=frozen_clock)
    limited = native.post("bet", body, timestamp=frozen_clock)
    assert limited.status_code == 429

    # The next minute: the window has moved on.
    monkeypatch.setattr(api.auth, "time", FrozenTime(frozen_clock + 60))
    response = native.post("bet", body, timestamp=frozen_clock + 60)

    assert response.status_code == 200
    assert balance_of(player) == 9_900


def test_a_rate_limit_whose_counter_store_is_down_lets_calls_through(native, call, aggregator, player):
    aggregator.rate_limit_per_minute = 1
    aggregator.save()
    unreachable = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    with override_settings(CACHES=unreachable):
        answers = [native.post("bet", call("bet", transaction_id=f"bet-{i}", amount=100)) for i in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert balance_of(player) == 9_800


# --- Exactly once: resends ---------------------------------------------------------------------


def test_a_resent_bet_gets_the_first_answer_byte_for_byte_and_moves_nothing(native, call, player):
    body = call("bet", transaction_id="bet-1", amount=250)
    first = native.post("bet", body)

    resend = native.post("bet", body)

    assert resend.status_code == first.status_code == 200
    assert resend.content == first.content
    assert balance_of(player) == 9_750
    assert money_moved() == 1


def test_a_resend_answers_the_balance_of_the_first_answer_not_the_current_one(native, call, player):
    body = call("bet", transaction_id="bet-1", amount=250)
    native.post("bet", body)
    native.post("bet", call("bet", transaction_id="bet-2", amount=250))

    resend = native.post("bet", body)

    assert resend.json()["balance"] == 9_750
    assert balance_of(player) == 9_500


def test_whitespace_and_key_order_do_not_make_a_resend_a_conflict(native, call, player):
    body = call("bet", transaction_id="bet-1", amount=250)
    first = native.post("bet", body)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=4).encode()

    resend = native.post("bet", reordered)

    assert resend.status_code == 200
    assert resend.content == first.content
    assert balance_of(player) == 9_750


def test_round_closed_differing_on_a_resend_is_not_a_conflict(native, call, player):
    first = native.post("bet", call("bet", transaction_id="bet-1", amount=250))

    resend = native.post("bet", call("bet", transaction_id="bet-1", amount=250, round_closed=True))

    assert resend.status_code == 200
    assert resend.content == first.content
    assert balance_of(player) == 9_750


def test_defaults_sent_explicitly_are_the_same_content(native, call, player):
    first = native.post("bet", call("bet", transaction_id="bet-1", amount=250))

    resend = native.post("bet", call("bet", transaction_id="bet-1", amount=250, spin_type="cash"))

    assert resend.content == first.content
    assert balance_of(player) == 9_750


# --- RETRY (503): a lock that cannot be had in time ---------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bet_that_cannot_lock_the_wallet_in_time_answers_retry_and_leaves_no_trace(native, call, player):
    wallet = Wallet.objects.get(player=player)
    locked, release = threading.Event(), threading.Event()

    def hold_the_wallet_lock():
        try:
            with transaction.atomic():
                # Another call of this player, stuck while holding the wallet's row lock.
                Wallet.objects.select_for_update().get(pk=wallet.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_wallet_lock)
    holder.start()
    try:
        assert locked.wait(timeout=5)
        body = call("bet", transaction_id="bet-1", amount=100)
        started = time.monotonic()
        response = native.post("bet", body)
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join()

    assert_error(response, 503, "RETRY")
    assert response["Retry-After"]
    assert waited < 3.0
    assert balance_of(player) == 10_000
    assert not AggregatorTransaction.objects.exists()

    resend = native.post("bet", body)

    assert resend.status_code == 200
    assert balance_of(player) == 9_900


# --- Observed clock skew ----------------------------------------------------------------------


def test_the_skew_of_a_genuine_request_is_recorded_even_when_it_is_refused(native, call, aggregator, frozen_clock):
    response = native.post("balance", call("balance"), timestamp=frozen_clock - 45)

    assert response.status_code == 401
    aggregator.refresh_from_db()
    assert aggregator.last_skew_seconds == 45


def test_a_forged_request_does_not_move_the_skew_staff_watch(native, call, aggregator, frozen_clock):
    response = native.post("balance", call("balance"), timestamp=frozen_clock - 1_000, secret="forged")

    assert response.status_code == 401
    aggregator.refresh_from_db()
    assert aggregator.last_skew_seconds is None


def test_the_published_openapi_schema_lists_the_endpoints_and_every_error_code(client, db):
    response = client.get("/api/schema/", headers={"Accept": "application/json"})

    assert response.status_code == 200
    schema = response.content.decode()
    for endpoint in ("balance", "bet", "win", "rollback"):
        assert f"/api/v1/wallet/{endpoint}" in schema
    for code in api.native.HTTP_STATUS:
        assert code.value in schema
    assert client.get("/api/docs/").status_code == 200

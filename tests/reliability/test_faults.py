"""Faults, each checked for "nothing lost, nothing applied twice" (issue 5).

Most of these disturb shared services (they kill database backends and server workers, stop
Redis, restart PostgreSQL), so they run only under `make reliability` (RELIABILITY=1), and each
restores what it stopped. The one that only points the cache at a closed port runs always.
"""

import os
import random
import socket
import subprocess
import threading
import time

import pytest
import requests
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings

import wallet.services.calls
from games.services import session_open
from tests.conftest import balance_of, make_player
from tests.reliability.support import assert_ledger_healthy, assert_nothing_applied_twice, running_server
from wallet.errors import ErrorCode, WalletError
from wallet.models import AggregatorTransaction, LedgerTransaction, Wallet
from wallet.services import MoneyCall, wallet_process_call

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def only_under_make_reliability(what: str) -> None:
    if os.environ.get("RELIABILITY") != "1":
        pytest.skip(f"{what}, which disturbs shared services: make reliability (RELIABILITY=1) only")


REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379"]
REDIS_START += ["--save", "", "--appendonly", "no"]


@pytest.fixture
def funded(aggregator):
    player = make_player("fault-1", deposit=10_000)
    session = session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR", ttl_seconds=3600)
    return player, session


def bet_body(session, transaction_id: str, amount: int = 250, round_id: str | None = None) -> dict:
    return {
        "player_id": session.player.external_id,
        "session_token": session.token,
        "currency": "EUR",
        "transaction_id": transaction_id,
        "round_id": round_id or f"round-{transaction_id}",
        "game_id": "g",
        "amount": amount,
    }


def money_call(aggregator, session, transaction_id: str, amount: int = 250) -> MoneyCall:
    return MoneyCall(
        aggregator=aggregator,
        kind="bet",
        transaction_id=transaction_id,
        player_id=session.player.external_id,
        session_token=session.token,
        currency="EUR",
        amount=amount,
        round_id=f"round-{transaction_id}",
        game_code="g",
    )


def applied(transaction_id: str) -> int:
    return LedgerTransaction.objects.filter(reference=transaction_id).count()


# --- A database backend killed while it holds the wallet lock --------------------------------


@pytest.mark.slow
def test_a_backend_killed_holding_the_wallet_lock_applies_nothing_and_the_resend_applies_once(
    aggregator, funded, monkeypatch
):
    player, session = funded
    locked, proceed = threading.Event(), threading.Event()
    backend = {}
    real_lock = wallet.services.calls.lock_session_wallet

    def lock_then_pause(**kwargs):
        found = real_lock(**kwargs)
        if threading.current_thread().name == "victim":
            backend["pid"] = connection.connection.info.backend_pid
            locked.set()
            proceed.wait(timeout=10)
        return found

    monkeypatch.setattr(wallet.services.calls, "lock_session_wallet", lock_then_pause)
    outcomes = {}

    def run(name: str, call: MoneyCall) -> None:
        try:
            outcomes[name] = wallet_process_call(call=call).code
        except WalletError as error:
            outcomes[name] = str(error.code)
        finally:
            connection.close()

    victim = threading.Thread(target=run, name="victim", args=("victim", money_call(aggregator, session, "bet-1")))
    victim.start()
    assert locked.wait(timeout=10)
    # Meanwhile another bet of the same player queues behind the lock.
    queued = threading.Thread(target=run, args=("queued", money_call(aggregator, session, "bet-2", amount=100)))
    queued.start()
    time.sleep(0.3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend["pid"]])
    proceed.set()
    victim.join(timeout=10)
    queued.join(timeout=10)

    assert outcomes == {"victim": ErrorCode.RETRY, "queued": "OK"}  # 503 RETRY: safe to resend
    assert applied("bet-1") == 0
    assert not AggregatorTransaction.objects.filter(external_id="bet-1").exists()

    resend = wallet_process_call(call=money_call(aggregator, session, "bet-1"))

    assert resend.code == "OK"
    assert applied("bet-1") == applied("bet-2") == 1
    assert balance_of(player) == 10_000 - 250 - 100
    assert_ledger_healthy()


# --- A gunicorn worker killed mid-request; the aggregator resends -----------------------------


def wait_for_lock_waiter(seen, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Inside a transaction pg_stat_activity is a snapshot taken once: take a new one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    got = seen()
    raise AssertionError(f"the worker never waited for the wallet lock: {got.get('response', got)!r}")


def post_until_answered(server, endpoint: str, body: dict, *, attempts: int = 100) -> requests.Response:
    """As an aggregator does: resend until an answer that is not "try again" comes back."""
    for _ in range(attempts):
        try:
            response = server.post(endpoint, body, timeout=5)
        except requests.RequestException:
            time.sleep(0.1)
            continue
        if response.status_code != 503:
            return response
        assert response.json()["code"] == "RETRY" and response.headers["Retry-After"]
        time.sleep(0.1)
    raise AssertionError(f"{body['transaction_id']} never got an answer")


@pytest.mark.slow
def test_a_worker_killed_while_serving_a_bet_applies_nothing_and_the_resend_applies_once(funded):
    only_under_make_reliability("kills server workers")
    player, session = funded
    wallet_row = Wallet.objects.get(player=player)
    with running_server(workers=1, lock_timeout_ms=10_000) as server:
        first = {}

        def send_first() -> None:
            try:
                first["response"] = server.post("bet", bet_body(session, "bet-1"), timeout=15)
            except requests.RequestException as exc:
                first["error"] = exc

        with transaction.atomic():
            # Hold the player's wallet lock, so the worker is caught mid-request, inside its
            # transaction, waiting for the lock, when it is killed.
            Wallet.objects.select_for_update().get(pk=wallet_row.pk)
            sender = threading.Thread(target=send_first)
            sender.start()
            wait_for_lock_waiter(lambda: first)
            (worker,) = server.worker_pids()
            os.kill(worker, 9)
            sender.join(timeout=15)
        assert "error" in first, first  # the aggregator saw the connection drop: no answer

        resend = post_until_answered(server, "bet", bet_body(session, "bet-1"))

    assert resend.status_code == 200, resend.text
    assert resend.json()["balance"] == 9_750
    assert applied("bet-1") == 1
    assert balance_of(player) == 9_750
    assert_ledger_healthy()


@pytest.mark.slow
def test_workers_killed_at_random_during_play_lose_nothing_and_apply_nothing_twice(funded):
    only_under_make_reliability("kills server workers")
    player, session = funded
    bets = [bet_body(session, f"chaos-{i}", amount=10) for i in range(120)]
    answers = {}
    with running_server(workers=2) as server:
        stop = threading.Event()

        kills = []

        def killer() -> None:
            rng = random.Random(5)
            while not stop.is_set():
                time.sleep(rng.uniform(0.05, 0.3))
                pids = server.worker_pids()
                if pids:
                    os.kill(rng.choice(pids), 9)  # the master starts a new worker
                    kills.append(1)

        chaos = threading.Thread(target=killer)
        chaos.start()
        try:
            for body in bets:
                answers[body["transaction_id"]] = post_until_answered(server, "bet", body)
        finally:
            stop.set()
            chaos.join()

    print(f"chaos: {len(kills)} workers killed during {len(bets)} bets; all answered, each applied once")
    assert kills
    assert {r.status_code for r in answers.values()} == {200}
    assert len({r.json()["wallet_transaction_id"] for r in answers.values()}) == len(bets)
    assert_nothing_applied_twice()
    assert all(applied(tx) == 1 for tx in answers)  # nothing lost: every answered bet is in the ledger
    assert balance_of(player) == 10_000 - 10 * len(bets)
    assert_ledger_healthy()


# --- Redis unavailable: the rate-limit counter fails open, callbacks keep working -------------


def test_callbacks_keep_working_when_the_cache_is_unreachable(aggregator, funded, native):
    player, session = funded
    aggregator.rate_limit_per_minute = 1_000  # the limit is counted in the cache (Redis)
    aggregator.save()
    unreachable = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }

    with override_settings(CACHES=unreachable):
        response = native.post("bet", bet_body(session, "bet-1"))

    assert response.status_code == 200, response.content
    assert balance_of(player) == 9_750


def test_a_cache_that_accepts_connections_but_never_answers_does_not_hang_callbacks(aggregator, funded, native):
    player, session = funded
    aggregator.rate_limit_per_minute = 1_000
    aggregator.save()
    with socket.socket() as silent:  # listens (the kernel accepts connections) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        # Our Redis cache as configured (its timeouts), whether or not this run has a Redis.
        hung = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
                "OPTIONS": settings.REDIS_CACHE_OPTIONS,
            }
        }
        started = time.monotonic()
        with override_settings(CACHES=hung):
            response = native.post("bet", bet_body(session, "bet-1"))
        took = time.monotonic() - started

    assert response.status_code == 200, response.content
    assert took < 2, f"a hung cache held the callback {took:.1f} s"
    assert balance_of(player) == 9_750


@pytest.mark.slow
def test_callbacks_keep_working_while_redis_is_stopped(aggregator, funded, native, redis_url):
    only_under_make_reliability("stops the shared Redis")
    player, session = funded
    aggregator.rate_limit_per_minute = 1_000
    aggregator.save()
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], check=False, capture_output=True)  # noqa: S603,S607
    try:
        answers = [native.post("bet", bet_body(session, f"bet-{i}")).status_code for i in range(5)]
    finally:
        subprocess.run(REDIS_START, check=True, capture_output=True)  # noqa: S603
        for _ in range(50):
            if subprocess.run(["redis-cli", "ping"], capture_output=True, text=True).stdout.strip() == "PONG":  # noqa: S603,S607
                break
            time.sleep(0.1)

    assert answers == [200] * 5
    assert balance_of(player) == 10_000 - 5 * 250
    assert_ledger_healthy()


# --- PostgreSQL restarted: 503 RETRY during the outage, then recovery -------------------------


@pytest.mark.slow
def test_a_postgresql_restart_answers_retry_then_recovers_with_nothing_lost(funded):
    only_under_make_reliability("restarts the shared PostgreSQL")
    player, session = funded
    statuses, answers = [], {}
    with running_server(workers=2) as server:
        stop = threading.Event()

        def play() -> None:
            i = 0
            while not stop.is_set():
                # 1 minor unit a bet: the 10,000 funded outlast the thousands of bets the few
                # seconds of this test answer (so every answer must be OK).
                body = bet_body(session, f"pg-{i}", amount=1)
                for _ in range(300):  # resend until answered, recording every status seen
                    try:
                        response = server.post("bet", body, timeout=5)
                    except requests.RequestException:
                        statuses.append("connection error")
                        time.sleep(0.05)
                        continue
                    statuses.append(response.status_code)
                    if response.status_code == 503:
                        assert response.json()["code"] == "RETRY"
                        time.sleep(0.05)
                        continue
                    answers[body["transaction_id"]] = response
                    break
                i += 1

        player_thread = threading.Thread(target=play)
        player_thread.start()
        time.sleep(1)
        cluster = os.listdir("/etc/postgresql")[0]
        subprocess.run(  # noqa: S603
            ["/usr/bin/pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
            check=True,
            capture_output=True,
        )
        time.sleep(2)
        stop.set()
        player_thread.join(timeout=60)
    connection.close()  # ours died with the restart; the next query reconnects

    print(
        f"restart: {len(answers)} bets answered; seen {statuses.count(503)} x 503 RETRY,"
        f" {statuses.count('connection error')} connection errors, {statuses.count(500)} x 500"
    )
    assert 503 in statuses, "the outage was never seen"
    assert 500 not in statuses
    assert {r.status_code for r in answers.values()} == {200}
    assert_nothing_applied_twice()
    assert all(applied(tx) == 1 for tx in answers)
    assert balance_of(player) == 10_000 - len(answers)
    assert_ledger_healthy()

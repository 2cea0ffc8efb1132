"""Simultaneous calls for one player, as an aggregator's retries and parallel spins produce them:
real threads, each with its own database connection, against the real database."""

import io
import threading
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client

from tests.conftest import NativeClient, balance_of
from wallet.models import LedgerTransaction
from wallet.services import MoneyCall, wallet_process_call

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def in_parallel(count: int, work) -> list:
    """Run work(i) for i in range(count) in as many threads, released together; their results."""
    start = threading.Barrier(count)
    results: list = [None] * count
    failures: list = []

    def worker(i: int) -> None:
        try:
            connect_patiently()  # as a server worker would be: already connected
            start.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            start.abort()  # the others must not wait for a thread that will never arrive
            failures.append(exc)
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return results


def connect_patiently(attempts: int = 100) -> None:
    """Open this thread's connection before the race starts. The test server is shared (other
    suites, benchmarks): when it is momentarily full, wait for a free slot rather than fail;
    the race itself only begins once every thread holds its connection."""
    for attempt in range(attempts):
        try:
            connection.ensure_connection()
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1)


def assert_ledger_healthy() -> None:
    out = io.StringIO()
    call_command("check_ledger", stdout=out)  # raises CommandError listing any violation
    assert "ledger OK" in out.getvalue()


def test_fifty_identical_bets_at_once_debit_once_and_all_get_the_same_answer(call, player):
    body = call("bet", transaction_id="bet-1", amount=250)

    # Fifty calls queue on one wallet lock; on a slow machine the last ones may wait past the lock
    # timeout and be told 503 RETRY, which an aggregator answers by resending (as here).
    answers = in_parallel(50, lambda i: _answer_resending_retries(NativeClient(Client()), "bet", body))

    assert len(set(answers)) == 1, Counter(answers)
    status, content = answers[0]
    assert status == 200, content
    assert balance_of(player) == 9_750
    assert LedgerTransaction.objects.filter(kind="bet").count() == 1
    assert_ledger_healthy()


def test_twenty_different_bets_at_once_never_take_the_balance_below_zero(call, player):
    stake = 1_000  # 20 bets of 1 000 against a balance of 10 000

    def bet(i: int):
        body = call("bet", transaction_id=f"bet-{i}", amount=stake, round_id=f"round-{i}")
        return _answer_resending_retries(NativeClient(Client()), "bet", body)

    answers = in_parallel(20, bet)

    statuses = Counter(status for status, _ in answers)
    assert set(statuses) <= {200, 402}, answers
    accepted = statuses[200]
    assert accepted * stake == 10_000 - balance_of(player)
    assert (accepted, balance_of(player)) == (10, 0)
    assert LedgerTransaction.objects.filter(kind="bet").count() == 10
    assert_ledger_healthy()


def test_rollbacks_racing_their_bets_always_leave_the_balance_whole(aggregator, session, player):
    # Ten bets, each sent at the same moment as its rollback: whichever lands first, the
    # player ends where they started and nothing is refunded that was not taken.
    def money_call(i: int) -> str:
        pair = i // 2
        common = dict(
            aggregator=aggregator,
            player_id=player.external_id,
            session_token=session.token,
            currency="EUR",
            round_id=f"round-{pair}",
            game_code="book-of-tests",
        )
        if i % 2 == 0:
            call = MoneyCall(kind="bet", transaction_id=f"bet-{pair}", amount=300, **common)
        else:
            call = MoneyCall(
                kind="rollback", transaction_id=f"rb-{pair}", amount=None, reference_id=f"bet-{pair}", **common
            )
        return wallet_process_call(call=call).code

    codes = in_parallel(20, money_call)

    assert set(codes[0::2]) <= {"OK", "TRANSACTION_ROLLED_BACK"}, codes
    assert set(codes[1::2]) == {"OK"}, codes
    assert balance_of(player) == 10_000
    bets = LedgerTransaction.objects.filter(kind="bet").count()
    assert LedgerTransaction.objects.filter(kind="rollback").count() == bets == codes[0::2].count("OK")
    assert_ledger_healthy()


def test_a_bet_rolled_back_under_many_ids_at_once_is_refunded_once(aggregator, session, player, native, call):
    for n in range(5):
        native.post("bet", call("bet", transaction_id=f"bet-{n}", amount=500, round_id=f"round-{n}"))
    assert balance_of(player) == 7_500

    def rollback(i: int) -> str:
        call_ = MoneyCall(
            aggregator=aggregator,
            kind="rollback",
            transaction_id=f"rb-{i}",
            player_id=player.external_id,
            session_token=session.token,
            currency="EUR",
            amount=None,
            reference_id=f"bet-{i % 5}",
        )
        return wallet_process_call(call=call_).code

    codes = in_parallel(20, rollback)

    assert codes == ["OK"] * 20
    assert balance_of(player) == 10_000
    assert LedgerTransaction.objects.filter(kind="rollback").count() == 5
    assert_ledger_healthy()


def _answer(response) -> tuple[int, bytes]:
    return response.status_code, response.content


def _answer_resending_retries(client: NativeClient, endpoint: str, body: dict, attempts: int = 20) -> tuple[int, bytes]:
    """The answer an aggregator ends with: a 503 RETRY (nothing applied) is sent again."""
    for _ in range(attempts):
        response = client.post(endpoint, body)
        if response.status_code != 503:
            break
        assert response.json()["code"] == "RETRY"
    return _answer(response)

"""A bank-style checker: writers hammer a few players with random money calls from many
threads (each with its own database connection, really committing), while readers check,
over and over, that no balance is ever negative and that money is conserved: the wallets'
cached balances plus the house accounts' entries always sum to zero, in every snapshot.

Afterwards: check_ledger passes, no aggregator transaction was applied twice, no bet was
refunded twice, and every resend of a call got the first call's answer (same code, same id).

The quick run is part of the normal suite; `make reliability` runs the long one (slow marker).
"""

import os
import random
import threading
import time

import pytest
from django.db import connection

from games.services import session_open
from tests.conftest import make_player
from tests.reliability.support import assert_ledger_healthy, assert_nothing_applied_twice
from wallet.errors import ErrorCode, WalletError
from wallet.services import MoneyCall, wallet_process_call

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PLAYERS = 3
OPENING = 5_000

# One snapshot, one statement: the lowest wallet balance, and wallets + house legs (must be 0).
SNAPSHOT_SQL = """
    SELECT (SELECT MIN(balance) FROM wallet_wallet),
           (SELECT COALESCE(SUM(balance), 0) FROM wallet_wallet)
         + (SELECT COALESCE(SUM(amount), 0) FROM wallet_ledgerentry WHERE house_account_id IS NOT NULL)
"""


def run_bank(aggregator, *, writers: int, calls_per_writer: int, readers: int = 2) -> dict:
    sessions = [
        session_open(
            player=make_player(f"bank-{i}", deposit=OPENING), aggregator=aggregator, game_code="g", currency="EUR"
        )
        for i in range(PLAYERS)
    ]
    sent: list[MoneyCall] = []  # every call made, for resends and rollbacks
    sent_lock = threading.Lock()
    answers: dict[str, list] = {}  # transaction id -> every answer it got
    failures: list = []
    snapshots = [0]
    done = threading.Event()

    def call(kind: str, session, **fields) -> MoneyCall:
        return MoneyCall(
            aggregator=aggregator,
            kind=kind,
            player_id=session.player.external_id,
            session_token=session.token,
            currency="EUR",
            game_code="g",
            **fields,
        )

    def next_call(rng: random.Random, n: int) -> MoneyCall:
        with sent_lock:
            earlier = list(sent)
        pick = rng.random()
        session = rng.choice(sessions)
        if earlier and pick < 0.2:
            return rng.choice(earlier)  # a resend, maybe while the first is still running
        if earlier and pick < 0.35:
            target = rng.choice([c for c in earlier if c.kind == "bet"] or earlier)
            target_session = next(s for s in sessions if s.token == target.session_token)
            return call(
                "rollback", target_session, transaction_id=f"rb-{n}", amount=None, reference_id=target.transaction_id
            )
        if earlier and pick < 0.6:
            bet = rng.choice([c for c in earlier if c.kind == "bet"] or earlier)
            bet_session = next(s for s in sessions if s.token == bet.session_token)
            return call(
                "win",
                bet_session,
                transaction_id=f"win-{n}",
                amount=rng.choice([0, 50, 400]),
                round_id=bet.round_id,
                round_closed=rng.random() < 0.3,
            )
        return call("bet", session, transaction_id=f"bet-{n}", amount=rng.choice([100, 700, 2_000]), round_id=f"r-{n}")

    def writer(w: int) -> None:
        rng = random.Random(w)
        try:
            for i in range(calls_per_writer):
                money_call = next_call(rng, w * 100_000 + i)
                with sent_lock:
                    sent.append(money_call)
                for _attempt in range(20):  # the aggregator resends what we could not answer
                    try:
                        answer = wallet_process_call(call=money_call)
                        result = (answer.code, answer.wallet_transaction_id)
                    except WalletError as error:
                        if error.code == ErrorCode.RETRY:
                            time.sleep(0.05)
                            continue
                        result = (str(error.code), "")
                    answers.setdefault(money_call.transaction_id, []).append(result)
                    break
        except Exception as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            connection.close()

    def reader() -> None:
        try:
            while not done.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(SNAPSHOT_SQL)
                    lowest, total = cursor.fetchone()
                assert lowest >= 0, f"a balance went negative: {lowest}"
                assert total == 0, f"money was created or lost: wallets + house = {total}"
                snapshots[0] += 1
        except Exception as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    threads += [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads[readers:]:
        thread.join(timeout=600)
    done.set()
    for thread in threads[:readers]:
        thread.join(timeout=30)

    assert not failures, failures
    return {"answers": answers, "snapshots": snapshots[0], "calls": len(sent)}


def check_after(result: dict) -> None:
    print(f"bank: {result['calls']} calls, {result['snapshots']} consistent snapshots checked")
    assert result["snapshots"] > 0
    for tx, got in result["answers"].items():
        # Every resend of a remembered call got the first answer: same code, same record id.
        remembered = [a for a in got if a[0] not in ("VALIDATION_ERROR", "DUPLICATE_TRANSACTION")]
        assert len(set(remembered)) <= 1, (tx, got)
    assert_nothing_applied_twice()
    assert_ledger_healthy()


def test_many_threads_hammering_three_players_never_overdraw_and_conserve_money(aggregator):
    result = run_bank(aggregator, writers=6, calls_per_writer=25)

    check_after(result)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("RELIABILITY") != "1", reason="the long run: make reliability (RELIABILITY=1)")
def test_a_long_hammering_never_overdraws_and_conserves_money(aggregator):
    result = run_bank(aggregator, writers=10, calls_per_writer=300, readers=3)

    check_after(result)

"""A bet's or win's one write sent with the COMMIT (wallet/services/calls.py, writes.py): in real
transactions (not a test case's savepoint), the answers, the ledger and the mending of a stale
house account id are those of the step-by-step write."""

import pytest

from tests.conftest import balance_of
from tests.wallet.test_concurrency import assert_ledger_healthy
from wallet.models import AggregatorTransaction, LedgerEntry, LedgerTransaction
from wallet.services import ledger

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_bet_and_a_win_answer_the_ids_and_balances_they_committed(native, call, player):
    bet = native.post("bet", call("bet", transaction_id="bet-1", amount=250))
    win = native.post("win", call("win", transaction_id="win-1", amount=400, round_closed=True))

    assert (bet.status_code, win.status_code) == (200, 200), (bet.content, win.content)
    records = {r.external_id: r for r in AggregatorTransaction.objects.all()}
    assert bet.json()["wallet_transaction_id"] == str(records["bet-1"].pk)
    assert win.json()["wallet_transaction_id"] == str(records["win-1"].pk)
    assert (bet.json()["balance"], win.json()["balance"]) == (9_750, 10_150)
    assert balance_of(player) == 10_150
    assert records["bet-1"].round_id == records["win-1"].round_id is not None
    assert records["bet-1"].ledger_transaction_id is not None
    resent = native.post("bet", call("bet", transaction_id="bet-1", amount=250))
    assert resent.json() == bet.json()
    assert_ledger_healthy()


def test_a_refused_bet_is_remembered_with_its_answer(native, call, player):
    refused = native.post("bet", call("bet", transaction_id="too-much", amount=1_000_000))

    assert (refused.status_code, refused.json()["code"]) == (402, "INSUFFICIENT_FUNDS")
    record = AggregatorTransaction.objects.get(external_id="too-much")
    assert record.result_code == "INSUFFICIENT_FUNDS" and record.ledger_transaction_id is None
    assert native.post("bet", call("bet", transaction_id="too-much", amount=1_000_000)).json() == refused.json()
    assert balance_of(player) == 10_000


def test_a_stale_house_account_id_fails_the_commit_and_the_step_by_step_retry_mends_it(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))  # the house account exists
    # As after a rolled-back creation: the process remembers an id no row has.
    (key,) = [k for k, v in ledger._house_account_ids.items() if v is not None][-1:]
    ledger._house_account_ids[key] = 987_654_321

    answer = native.post("bet", call("bet", transaction_id="bet-2", amount=100))

    assert answer.status_code == 200, answer.content
    assert answer.json()["balance"] == 9_800
    posted = LedgerTransaction.objects.get(aggregator_transaction__external_id="bet-2")
    assert LedgerEntry.objects.filter(transaction=posted).count() == 2  # the house leg is there
    assert ledger._house_account_ids[key] != 987_654_321
    assert_ledger_healthy()

"""Hub88 retries arriving at once: real threads, each with its own database connection."""

import json

import pytest
from django.test import Client

from tests.conftest import balance_of
from tests.hub88.conftest import Hub88Caller
from tests.wallet.test_concurrency import assert_ledger_healthy, in_parallel
from wallet.models import LedgerTransaction

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_twenty_deliveries_of_one_bet_at_once_debit_once_and_answer_alike(tx, player):
    body = tx("bet", amount=250_000)

    answers = in_parallel(
        20, lambda i: Hub88Caller(Client()).post("transaction/bet", body | {"request_uuid": f"r-{i}"})
    )

    assert {a["request_uuid"] for a in answers} == {f"r-{i}" for i in range(20)}
    bodies = {json.dumps({k: v for k, v in a.items() if k != "request_uuid"}, sort_keys=True) for a in answers}
    assert len(bodies) == 1, bodies
    assert answers[0]["status"] == "RS_OK"
    assert balance_of(player) == 10_000 - 250
    assert LedgerTransaction.objects.filter(kind="bet").count() == 1
    assert_ledger_healthy()


def test_parallel_bets_never_overdraw(tx, player):
    # 40 different bets of 5.00 EUR against 100.00 EUR: exactly 20 can be paid.
    bodies = [tx("bet", amount=500_000, round=f"round-{i}") for i in range(40)]

    answers = in_parallel(40, lambda i: Hub88Caller(Client()).post("transaction/bet", bodies[i]))

    statuses = sorted(a["status"] for a in answers)
    assert statuses.count("RS_OK") == 20
    assert statuses.count("RS_ERROR_NOT_ENOUGH_MONEY") == 20
    assert balance_of(player) == 0
    assert_ledger_healthy()

"""Two Finance users approving the same request at the same moment (real threads, real
database): it posts once, and both are answered with that one result."""

import uuid

import pytest

from tests.conftest import balance_of, make_player
from tests.staff import staff_in
from tests.wallet.test_concurrency import in_parallel
from wallet.models import LedgerTransaction, MoneyRequest, Wallet
from wallet.services.money_requests import money_request_approve, money_request_create

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_approvals_racing_post_once():
    player = make_player("racer")
    wallet = Wallet.objects.get(player=player, currency="EUR")
    requester = staff_in("Finance", "requester")
    approvers = [staff_in("Finance", f"approver-{i}") for i in range(2)]
    request = money_request_create(
        request_key=uuid.uuid4(),
        wallet_id=wallet.pk,
        operation="deposit",
        amount=25_00,
        memo="race",
        staff_user=requester,
    )

    answers = in_parallel(2, lambda i: money_request_approve(request_id=request.pk, staff_user=approvers[i]))

    assert balance_of(player) == 10_000 + 25_00
    assert LedgerTransaction.objects.filter(kind="deposit", memo="race").count() == 1
    posted = MoneyRequest.objects.get(pk=request.pk)
    assert {answer.status for answer in answers} == {MoneyRequest.Status.POSTED}
    assert {answer.ledger_transaction_id for answer in answers} == {posted.ledger_transaction_id}


def test_the_same_form_sent_twice_at_once_posts_once(settings):
    settings.FOUR_EYES_DEFAULT_THRESHOLD = 1_000_00  # posts at once: the race is on the posting
    player = make_player("double-click")
    wallet = Wallet.objects.get(player=player, currency="EUR")
    clerk = staff_in("Finance", "clerk")
    key = uuid.uuid4()

    def submit(_i):
        return money_request_create(
            request_key=key, wallet_id=wallet.pk, operation="deposit", amount=7_00, memo="twice", staff_user=clerk
        )

    answers = in_parallel(2, submit)

    assert balance_of(player) == 10_000 + 7_00
    assert len({answer.pk for answer in answers}) == 1

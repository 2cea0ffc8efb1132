"""The staff money form in the admin (wallet/admin_money.py): review, confirmation in major
units with the resulting balance, four eyes on the Money requests page, and a form sent twice
answering its first result."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import balance_of
from tests.staff import staff_in
from wallet.models import LedgerTransaction, MoneyRequest, Wallet


@pytest.fixture
def wallet(player) -> Wallet:
    return Wallet.objects.get(player=player, currency="EUR")


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def money_url(wallet) -> str:
    return reverse("admin:wallet_wallet_money", args=[wallet.pk])


def form(operation="deposit", amount="12.34", memo="goodwill after outage", key=None, **more) -> dict:
    return {"operation": operation, "amount": amount, "memo": memo, "request_key": str(key or uuid.uuid4()), **more}


def test_the_form_carries_its_own_request_id(wallet):
    page = as_user(staff_in("Finance")).get(money_url(wallet)).content.decode()

    assert re.search(r'name="request_key" value="[0-9a-f-]{36}"', page)


def test_review_shows_amount_currency_and_resulting_balance_and_moves_nothing(wallet, player):
    clerk = as_user(staff_in("Finance"))

    page = clerk.post(money_url(wallet), form(operation="withdrawal", amount="25.50")).content.decode()

    assert "-25.50 EUR" in page and "100.00 EUR" in page and "74.50 EUR" in page
    assert "Confirm" in page and "second Finance" in page
    assert balance_of(player) == 10_000 and not MoneyRequest.objects.exists()


def test_confirming_makes_a_request_that_waits_for_a_second_finance_user(wallet, player):
    fiona, frank = staff_in("Finance", "fiona"), staff_in("Finance", "frank")

    response = as_user(fiona).post(money_url(wallet), form(confirmed="on"))
    request = MoneyRequest.objects.get()
    own = as_user(fiona).get(reverse("admin:wallet_moneyrequest_change", args=[request.pk])).content.decode()
    others = as_user(frank).get(reverse("admin:wallet_moneyrequest_change", args=[request.pk])).content.decode()

    assert response.status_code == 302 and request.status == "pending"
    assert balance_of(player) == 10_000
    assert "approve-money-request" not in own and "approve-money-request" in others
    assert "12.34 EUR" in others


def test_a_second_finance_user_approves_and_it_shows_in_the_ledger(wallet, player):
    fiona, frank = staff_in("Finance", "fiona"), staff_in("Finance", "frank")
    as_user(fiona).post(money_url(wallet), form(confirmed="on"))
    request = MoneyRequest.objects.get()

    as_user(frank).post(reverse("admin:wallet_moneyrequest_decide", args=[request.pk]), {"decision": "approve"})

    assert balance_of(player) == 10_000 + 12_34
    ledger = LedgerTransaction.objects.get(kind="deposit", memo="goodwill after outage")
    assert (ledger.created_by, ledger.approved_by) == (fiona, frank)


def test_the_requester_posting_an_approval_is_refused(wallet, player):
    fiona = staff_in("Finance", "fiona")
    as_user(fiona).post(money_url(wallet), form(confirmed="on"))
    request = MoneyRequest.objects.get()

    response = as_user(fiona).post(
        reverse("admin:wallet_moneyrequest_decide", args=[request.pk]), {"decision": "approve"}, follow=True
    )

    assert "second staff member" in response.content.decode()
    assert balance_of(player) == 10_000


def test_back_and_record_again_answers_the_first_result(settings, wallet, player):
    settings.FOUR_EYES_THRESHOLDS = {"EUR": 1_000_00}  # posts at once: the old double deposit
    clerk = as_user(staff_in("Finance"))
    sent = form(confirmed="on")

    first = clerk.post(money_url(wallet), sent)
    again = clerk.post(money_url(wallet), sent, follow=True)

    assert first.status_code == 302
    assert "already sent" in again.content.decode()
    assert balance_of(player) == 10_000 + 12_34
    assert LedgerTransaction.objects.filter(kind="deposit", memo="goodwill after outage").count() == 1


def test_a_staff_amount_with_too_many_decimals_is_refused_not_rounded(wallet, player):
    response = as_user(staff_in("Finance")).post(money_url(wallet), form(amount="1.005", confirmed="on"))

    assert response.status_code == 200
    assert "At most 2 decimal places" in response.content.decode()
    assert balance_of(player) == 10_000


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e400", "abc", "99999999999999999999999"])
def test_nonsense_amounts_get_a_message_not_a_500(wallet, amount):
    response = as_user(staff_in("Finance")).post(money_url(wallet), form(amount=amount, confirmed="on"))

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not MoneyRequest.objects.exists()


def test_a_withdrawal_beyond_the_balance_is_refused_with_a_message(wallet, player):
    response = as_user(staff_in("Finance")).post(
        money_url(wallet), form(operation="withdrawal", amount="100.01", confirmed="on")
    )

    assert "insufficient funds" in response.content.decode()
    assert balance_of(player) == 10_000 and not MoneyRequest.objects.exists()


@pytest.mark.parametrize("role", ["Support", "Operations", "Compliance"])
def test_only_finance_opens_the_money_form(wallet, role):
    assert as_user(staff_in(role)).get(money_url(wallet)).status_code == 403


def test_a_demo_wallet_takes_no_staff_money(player):
    demo = Wallet.objects.create(player=player, currency_id="EUR", mode="demo")

    response = as_user(staff_in("Finance")).get(money_url(demo), follow=True)

    assert "real wallets only" in response.content.decode()
    assert not MoneyRequest.objects.exists()

"""Four eyes on staff money operations (wallet/services/money_requests.py): the threshold, who
may decide, idempotency by the form's id, expiry, and both names on the posted transaction."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from casino import audit
from compliance.models import AuditRecord
from tests.conftest import balance_of
from tests.staff import staff_in
from wallet.errors import WalletError
from wallet.models import LedgerTransaction, MoneyRequest, Wallet
from wallet.services.money_requests import (
    MoneyRequestRefused,
    balance_delta,
    money_request_approve,
    money_request_create,
    money_request_reject,
    money_requests_expire,
    needs_second_approval,
)

Status = MoneyRequest.Status


@pytest.fixture
def finance(db):
    return staff_in("Finance", "fiona"), staff_in("Finance", "frank")


@pytest.fixture
def wallet(player) -> Wallet:
    return Wallet.objects.get(player=player, currency="EUR")


def ask(user, wallet, *, operation="deposit", amount=5_000, key=None, memo="goodwill"):
    return money_request_create(
        request_key=key or uuid.uuid4(),
        wallet_id=wallet.pk,
        operation=operation,
        amount=amount,
        memo=memo,
        staff_user=user,
    )


@pytest.mark.parametrize(
    ("thresholds", "default", "currency", "amount", "expected"),
    [
        ({}, 0, "EUR", 1, True),  # zero: every operation
        ({}, 0, "EUR", -1, True),
        ({"EUR": 100_00}, 0, "EUR", 100_00, False),  # at the threshold: one person
        ({"EUR": 100_00}, 0, "EUR", 100_01, True),  # above it: two
        ({"EUR": 100_00}, 0, "EUR", -100_01, True),  # a negative adjustment counts by size
        ({"EUR": 100_00}, 0, "USD", 1, True),  # a currency not named: the default
        ({"EUR": 100_00}, 5_00, "USD", 5_00, False),
    ],
)
def test_the_threshold_is_per_currency_and_zero_means_all(settings, thresholds, default, currency, amount, expected):
    settings.FOUR_EYES_THRESHOLDS, settings.FOUR_EYES_DEFAULT_THRESHOLD = thresholds, default

    assert needs_second_approval(currency=currency, amount=amount) is expected


@pytest.mark.parametrize(
    ("operation", "amount", "delta"),
    [("deposit", 5, 5), ("withdrawal", 5, -5), ("adjustment", -5, -5), ("adjustment", 5, 5)],
)
def test_what_each_operation_moves(operation, amount, delta):
    assert balance_delta(operation=operation, amount=amount) == delta


@pytest.mark.parametrize(("operation", "amount"), [("deposit", -5), ("withdrawal", -5), ("deposit", 0), ("gift", 5)])
def test_nonsense_operations_are_refused(operation, amount):
    with pytest.raises(MoneyRequestRefused):
        balance_delta(operation=operation, amount=amount)


def test_above_the_threshold_a_request_waits_and_moves_nothing(finance, wallet, player):
    fiona, _ = finance

    request = ask(fiona, wallet)

    assert request.status == Status.PENDING
    assert balance_of(player) == 10_000
    assert not LedgerTransaction.objects.filter(kind="deposit", memo="goodwill").exists()


def test_a_second_finance_user_approves_and_the_ledger_names_both(finance, wallet, player):
    fiona, frank = finance
    request = ask(fiona, wallet)

    approved = money_request_approve(request_id=request.pk, staff_user=frank)

    assert approved.status == Status.POSTED
    assert balance_of(player) == 15_000
    ledger = approved.ledger_transaction
    assert (ledger.created_by, ledger.approved_by, ledger.memo) == (fiona, frank, "goodwill")


def test_the_requester_can_never_approve_their_own(finance, wallet, player):
    fiona, _ = finance
    request = ask(fiona, wallet)

    with pytest.raises(MoneyRequestRefused, match="second staff member"):
        money_request_approve(request_id=request.pk, staff_user=fiona)

    assert MoneyRequest.objects.get(pk=request.pk).status == Status.PENDING
    assert balance_of(player) == 10_000


def test_a_user_without_the_approve_permission_cannot_approve(finance, wallet):
    fiona, _ = finance
    request = ask(fiona, wallet)
    support = staff_in("Support")

    with pytest.raises(MoneyRequestRefused, match="Finance"):
        money_request_approve(request_id=request.pk, staff_user=support)


def test_support_cannot_even_ask(wallet):
    with pytest.raises(MoneyRequestRefused):
        ask(staff_in("Support"), wallet)


def test_the_database_refuses_a_requester_deciding_their_own_request(finance, wallet):
    fiona, _ = finance
    request = ask(fiona, wallet)

    with pytest.raises(Exception, match="money_request_four_eyes"):
        MoneyRequest.objects.filter(pk=request.pk).update(decided_by=fiona, status=Status.REJECTED)


def test_at_or_below_the_threshold_it_posts_at_once(settings, finance, wallet, player):
    settings.FOUR_EYES_THRESHOLDS = {"EUR": 100_00}
    fiona, _ = finance

    request = ask(fiona, wallet, amount=100_00)

    assert request.status == Status.POSTED
    assert balance_of(player) == 20_000
    assert request.ledger_transaction.approved_by is None


def test_the_same_form_sent_twice_answers_the_first_result(settings, finance, wallet, player):
    settings.FOUR_EYES_THRESHOLDS = {"EUR": 100_00}
    fiona, _ = finance
    key = uuid.uuid4()

    first = ask(fiona, wallet, amount=12_34, key=key)
    again = ask(fiona, wallet, amount=12_34, key=key)

    assert again.pk == first.pk
    assert balance_of(player) == 10_000 + 12_34
    assert LedgerTransaction.objects.filter(kind="deposit", memo="goodwill").count() == 1


def test_a_rejected_request_never_posts(finance, wallet, player):
    fiona, frank = finance
    request = ask(fiona, wallet)

    rejected = money_request_reject(request_id=request.pk, staff_user=frank, note="no ticket")
    approved_later = money_request_approve(request_id=request.pk, staff_user=frank)

    assert rejected.status == approved_later.status == Status.REJECTED
    assert balance_of(player) == 10_000


def test_an_expired_request_cannot_be_approved(finance, wallet, player):
    fiona, frank = finance
    request = ask(fiona, wallet)
    MoneyRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    answer = money_request_approve(request_id=request.pk, staff_user=frank)

    assert answer.status == Status.EXPIRED
    assert balance_of(player) == 10_000


def test_beat_expires_pending_requests_once(finance, wallet):
    fiona, _ = finance
    old, fresh = ask(fiona, wallet), ask(fiona, wallet)
    MoneyRequest.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert money_requests_expire() == 1
    assert money_requests_expire() == 0
    assert MoneyRequest.objects.get(pk=old.pk).status == Status.EXPIRED
    assert MoneyRequest.objects.get(pk=fresh.pk).status == Status.PENDING


def test_a_withdrawal_the_balance_does_not_cover_records_nothing(finance, wallet):
    fiona, _ = finance

    with pytest.raises(WalletError, match="insufficient funds"):
        ask(fiona, wallet, operation="withdrawal", amount=100_01)

    assert not MoneyRequest.objects.exists()


def test_approval_rechecks_the_balance_and_leaves_the_request_pending(finance, wallet, player):
    fiona, frank = finance
    request = ask(fiona, wallet, operation="withdrawal", amount=80_00)
    Wallet.objects.filter(pk=wallet.pk).update(balance=0)  # spent meanwhile (test shortcut: no ledger row)

    with pytest.raises(WalletError, match="insufficient funds"):
        money_request_approve(request_id=request.pk, staff_user=frank)

    assert MoneyRequest.objects.get(pk=request.pk).status == Status.PENDING


def test_every_step_is_in_the_audit_log_with_the_player(finance, wallet, player):
    fiona, frank = finance
    request = ask(fiona, wallet)
    money_request_approve(request_id=request.pk, staff_user=frank)

    records = AuditRecord.objects.filter(object_type="wallet.moneyrequest", object_id=str(request.pk)).order_by("id")

    assert [(r.kind, r.actor) for r in records] == [
        ("money_request.requested", "fiona"),
        ("money_request.approved", "frank"),
        ("money_request.posted", "frank"),
    ]
    assert {r.player for r in records} == {player.external_id}
    assert records[0].changes["amount"] == 5_000 and records[0].reason == "goodwill"


def test_the_seam_records_nothing_without_a_recorder(monkeypatch, finance, wallet):
    monkeypatch.setattr(audit, "_recorder", None)
    fiona, _ = finance

    ask(fiona, wallet)

    assert not AuditRecord.objects.filter(kind__startswith="money_request").exists()


def test_a_deposit_over_the_players_deposit_limit_is_refused_when_approved(finance, wallet, player):
    from compliance.models import RgEvent
    from compliance.rg.limits import rg_limit_set

    fiona, frank = finance
    rg_limit_set(player=player, kind="deposit", period="day", currency="EUR", amount=20_00)
    request = ask(fiona, wallet, amount=50_00)

    answer = money_request_approve(request_id=request.pk, staff_user=frank)

    assert answer.status == Status.REFUSED and "limit" in answer.decision_note.lower()
    assert balance_of(player) == 10_000
    assert RgEvent.objects.filter(player=player, kind="deposit_refused").exists()
    assert AuditRecord.objects.filter(kind="money_request.refused", object_id=str(request.pk)).exists()

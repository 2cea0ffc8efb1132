"""Staff money operations: deposits, withdrawals and adjustments, as finance sees them."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from casino.models import Mode
from games.services import session_open
from tests.conftest import balance_of
from wallet.errors import WalletError
from wallet.models import LedgerEntry, LedgerTransaction, Wallet
from wallet.selectors import session_wallet
from wallet.services import wallet_adjust, wallet_deposit, wallet_withdraw


@pytest.fixture
def wallet(player) -> Wallet:
    return Wallet.objects.get(player=player, mode=Mode.REAL)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("finance-1", password="x")


def assert_balanced(ledger: LedgerTransaction) -> None:
    amounts = list(ledger.entries.values_list("amount", flat=True))
    assert len(amounts) == 2 and sum(amounts) == 0


def test_a_deposit_credits_the_wallet_from_the_cashier(wallet, staff, player):
    ledger = wallet_deposit(wallet_id=wallet.pk, amount=5_000, staff_user=staff, memo="bank transfer 991")

    assert balance_of(player) == 15_000
    assert (ledger.kind, ledger.created_by, ledger.memo) == ("deposit", staff, "bank transfer 991")
    assert_balanced(ledger)
    assert ledger.entries.get(wallet=wallet).balance_after == 15_000


def test_a_withdrawal_debits_the_wallet(wallet, staff, player):
    ledger = wallet_withdraw(wallet_id=wallet.pk, amount=4_000, staff_user=staff)

    assert balance_of(player) == 6_000
    assert ledger.kind == "withdrawal"
    assert ledger.entries.get(wallet=wallet).amount == -4_000
    assert_balanced(ledger)


def test_a_withdrawal_of_the_whole_balance_is_allowed(wallet, player):
    wallet_withdraw(wallet_id=wallet.pk, amount=10_000)

    assert balance_of(player) == 0


def test_a_withdrawal_beyond_the_balance_is_refused_and_moves_nothing(wallet, player):
    with pytest.raises(WalletError) as refusal:
        wallet_withdraw(wallet_id=wallet.pk, amount=10_001)

    assert refusal.value.code == "INSUFFICIENT_FUNDS"
    assert refusal.value.balance == 10_000
    assert balance_of(player) == 10_000
    assert not LedgerTransaction.objects.filter(kind="withdrawal").exists()


@pytest.mark.parametrize("amount", [0, -100])
def test_deposits_and_withdrawals_must_be_positive(wallet, player, amount):
    for service in (wallet_deposit, wallet_withdraw):
        with pytest.raises(WalletError):
            service(wallet_id=wallet.pk, amount=amount)

    assert balance_of(player) == 10_000


def test_an_adjustment_corrects_the_balance_either_way_with_its_reason(wallet, staff, player):
    up = wallet_adjust(wallet_id=wallet.pk, amount=700, staff_user=staff, memo="goodwill, ticket 12")
    down = wallet_adjust(wallet_id=wallet.pk, amount=-200, staff_user=staff, memo="duplicate credit, ticket 13")

    assert balance_of(player) == 10_500
    assert [(t.kind, t.memo, t.created_by) for t in (up, down)] == [
        ("adjustment", "goodwill, ticket 12", staff),
        ("adjustment", "duplicate credit, ticket 13", staff),
    ]
    assert_balanced(up)
    assert_balanced(down)


@pytest.mark.parametrize("memo", ["", "   "])
def test_an_adjustment_without_a_reason_is_refused(wallet, staff, player, memo):
    with pytest.raises(WalletError, match="reason"):
        wallet_adjust(wallet_id=wallet.pk, amount=700, staff_user=staff, memo=memo)

    assert balance_of(player) == 10_000


def test_an_adjustment_cannot_take_the_balance_below_zero(wallet, staff, player):
    with pytest.raises(WalletError) as refusal:
        wallet_adjust(wallet_id=wallet.pk, amount=-10_001, staff_user=staff, memo="chargeback")

    assert refusal.value.code == "INSUFFICIENT_FUNDS"
    assert balance_of(player) == 10_000


def test_staff_operations_do_not_apply_to_demo_wallets(aggregator, player, staff):
    demo = session_wallet(
        session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR", mode="demo")
    )

    with pytest.raises(WalletError):
        wallet_deposit(wallet_id=demo.pk, amount=100, staff_user=staff)


def test_after_any_staff_operations_every_ledger_transaction_sums_to_zero_and_the_balance_is_their_sum(
    wallet, staff, player
):
    wallet_deposit(wallet_id=wallet.pk, amount=2_500, staff_user=staff)
    wallet_withdraw(wallet_id=wallet.pk, amount=1_200, staff_user=staff)
    wallet_adjust(wallet_id=wallet.pk, amount=-300, staff_user=staff, memo="fee refund reversed")

    per_transaction = LedgerEntry.objects.values("transaction").annotate(total=Sum("amount"))
    assert {row["total"] for row in per_transaction} == {0}
    assert LedgerEntry.objects.filter(wallet=wallet).aggregate(total=Sum("amount"))["total"] == balance_of(player)
    assert balance_of(player) == 11_000

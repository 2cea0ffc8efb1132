"""Bonus money with a wagering requirement: cash first, wins back in proportion, conversion in
one ledger transaction, no withdrawal before (docs/money.md)."""

import pytest
from django.core.management import call_command

from tests.conftest import balance_of
from wallet.errors import WalletError
from wallet.models import Bonus, LedgerEntry, LedgerTransaction, Wallet, WalletMode
from wallet.services import wallet_withdraw
from wallet.services.bonus import bonus_forfeit, bonus_grant

Kind = LedgerTransaction.Kind


def _bonus_balance(player) -> int:
    return Wallet.objects.get(player=player, currency_id="EUR", mode=WalletMode.BONUS).balance


def _grant(player, multiple):
    cash = Wallet.objects.get(player=player, currency_id="EUR", mode="real")
    return bonus_grant(wallet_id=cash.pk, amount=2000, wagering_multiple=multiple)


@pytest.fixture
def bonus(player):
    # 20.00 of bonus money, to be wagered 30 times (600.00); the player has 100.00 cash.
    return _grant(player, 30)


def test_a_bet_uses_cash_first_then_bonus_money_and_answers_both(native, call, player, bonus):
    first = native.post("bet", call("bet", transaction_id="bet-1", amount=9_500, round_id="r-1"))
    second = native.post("bet", call("bet", transaction_id="bet-2", amount=1_000, round_id="r-2"))

    assert first.json()["balance"] == 500 + 2000  # cash and bonus money together
    assert second.status_code == 200 and second.json()["balance"] == 0 + 1500
    assert balance_of(player) == 0
    assert _bonus_balance(player) == 1500  # 10.00: 5.00 of cash, then 5.00 of bonus
    legs = LedgerEntry.objects.filter(transaction__reference="bet-2", wallet__isnull=False)
    assert sorted(e.amount for e in legs) == [-500, -500]
    call_command("check_ledger")


def test_more_than_cash_and_bonus_together_is_refused(native, call, player, bonus):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=12_001))

    assert response.status_code == 402
    assert response.json()["balance"] == 12_000


def test_a_win_goes_back_to_the_bonus_in_proportion_to_its_rounds_bonus_stake(native, call, player, bonus):
    native.post("bet", call("bet", transaction_id="bet-0", amount=9_700, round_id="r-0", round_closed=True))
    native.post("bet", call("bet", transaction_id="bet-1", amount=1_000, round_id="r-1"))  # 3.00 cash + 7.00 bonus

    win = native.post("win", call("win", transaction_id="win-1", amount=2_501, round_id="r-1", round_closed=True))

    assert win.status_code == 200
    # 25.01 x 7/10 = 17.507 -> 17.51 to the bonus (half-even), 7.50 to cash.
    assert (balance_of(player), _bonus_balance(player)) == (750, 2000 - 700 + 1751)
    call_command("check_ledger")


def test_a_rollback_gives_each_wallet_back_what_it_gave(native, call, player, bonus):
    native.post("bet", call("bet", transaction_id="bet-0", amount=9_700, round_id="r-0", round_closed=True))
    native.post("bet", call("bet", transaction_id="bet-1", amount=1_000, round_id="r-1"))

    native.post("rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-1"))

    assert (balance_of(player), _bonus_balance(player)) == (300, 2000)
    call_command("check_ledger")


def test_once_wagered_the_bonus_becomes_cash_in_one_ledger_transaction(native, call, player):
    bonus = _grant(player, 5)  # 100.00 to wager
    for n in range(9):  # 90.00 wagered, all lost: the requirement is 100.00
        native.post("bet", call("bet", transaction_id=f"bet-{n}", amount=1_000, round_id=f"r-{n}", round_closed=True))
    assert Bonus.objects.get().status == Bonus.Status.ACTIVE
    with pytest.raises(WalletError, match="bonus"):
        wallet_withdraw(wallet_id=bonus.cash_wallet_id, amount=100, memo="cash out")

    native.post("bet", call("bet", transaction_id="bet-9", amount=1_500, round_id="r-9", round_closed=True))

    # 105.00 wagered: 100.00 of cash, then 5.00 of bonus; the 15.00 left became cash.
    bonus.refresh_from_db()
    assert (bonus.status, bonus.wagered) == (Bonus.Status.CONVERTED, 10_500)
    [conversion] = LedgerTransaction.objects.filter(kind=Kind.BONUS_CONVERSION)
    assert sorted(e.amount for e in conversion.entries.all()) == [-1500, 1500]
    assert (balance_of(player), _bonus_balance(player)) == (1500, 0)
    wallet_withdraw(wallet_id=bonus.cash_wallet_id, amount=1500, memo="cash out")
    call_command("check_ledger")


def test_a_forfeited_bonus_goes_back_to_the_house_and_cash_is_free_again(native, call, player, bonus):
    bonus_forfeit(bonus_id=bonus.pk)

    assert _bonus_balance(player) == 0
    assert Bonus.objects.get().status == Bonus.Status.FORFEITED
    assert native.post("balance", call("balance")).json()["balance"] == 10_000
    wallet_withdraw(wallet_id=bonus.cash_wallet_id, amount=10_000, memo="cash out")
    call_command("check_ledger")

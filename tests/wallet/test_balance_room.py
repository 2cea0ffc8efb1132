"""The money rule that no credit takes a balance past the largest a wallet holds (bigint minor
units), decided without the database (wallet/services/rules.py)."""

import pytest

from casino.money import MINOR_UNITS_MAX
from wallet.errors import ErrorCode, WalletError
from wallet.models import Wallet
from wallet.services.rules import _check_balance_room


@pytest.mark.parametrize(
    ("balance", "credit"),
    [(0, 0), (0, MINOR_UNITS_MAX), (MINOR_UNITS_MAX, 0), (MINOR_UNITS_MAX - 10, 10), (10**18, 10**18)],
)
def test_a_credit_that_fits_is_allowed(balance, credit):
    _check_balance_room(Wallet(balance=balance), credit)


@pytest.mark.parametrize(
    ("balance", "credit"),
    [(MINOR_UNITS_MAX, 1), (MINOR_UNITS_MAX - 10, 11), (1, MINOR_UNITS_MAX), (0, 10**19)],
)
def test_a_credit_past_the_largest_balance_is_a_validation_error(balance, credit):
    with pytest.raises(WalletError) as refusal:
        _check_balance_room(Wallet(balance=balance), credit)

    assert refusal.value.code == ErrorCode.VALIDATION_ERROR
    assert not refusal.value.is_remembered

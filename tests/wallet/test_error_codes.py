"""The wallet's error codes: every protocol answers each of them, and only the wallet's."""

from wallet.api.hub88 import WALLET_STATUS
from wallet.api.native import HTTP_STATUS
from wallet.errors import REMEMBERED_CODES, WALLET_CODES


def test_every_protocol_maps_exactly_the_wallets_codes():
    assert set(HTTP_STATUS) == WALLET_CODES
    assert set(WALLET_STATUS) == WALLET_CODES


def test_remembered_refusals_are_wallet_codes():
    assert REMEMBERED_CODES <= WALLET_CODES

"""One error vocabulary (casino/errors.py) for the wallet protocols and the launch API."""

from casino.errors import ErrorCode
from games.launch import LAUNCH_STATUS
from wallet.errors import WALLET_CODES


def test_every_code_is_answered_by_the_wallet_or_by_launch():
    # The enum is one vocabulary shared by both APIs: a code neither answers is dead weight,
    # and UNAUTHORIZED is the front-end API's answer to a missing or wrong key.
    assert set(ErrorCode) == WALLET_CODES | set(LAUNCH_STATUS) | {ErrorCode.UNAUTHORIZED}

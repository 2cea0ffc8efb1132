"""Hub88's wallet statuses, the wallet's error codes as those statuses, and our readings of the
points docs/hub88.md marks unconfirmed (each kept here, once)."""

from wallet.errors import ErrorCode


class RS:
    """Hub88's wallet statuses (the `status` field; HTTP is always 200)."""

    OK = "RS_OK"
    UNKNOWN = "RS_ERROR_UNKNOWN"
    INVALID_PARTNER = "RS_ERROR_INVALID_PARTNER"
    INVALID_TOKEN = "RS_ERROR_INVALID_TOKEN"  # noqa: S105 (a status name, not a secret)
    INVALID_GAME = "RS_ERROR_INVALID_GAME"
    WRONG_CURRENCY = "RS_ERROR_WRONG_CURRENCY"
    NOT_ENOUGH_MONEY = "RS_ERROR_NOT_ENOUGH_MONEY"
    USER_DISABLED = "RS_ERROR_USER_DISABLED"
    INVALID_SIGNATURE = "RS_ERROR_INVALID_SIGNATURE"
    TOKEN_EXPIRED = "RS_ERROR_TOKEN_EXPIRED"  # noqa: S105 (a status name, not a secret)
    WRONG_SYNTAX = "RS_ERROR_WRONG_SYNTAX"
    WRONG_TYPES = "RS_ERROR_WRONG_TYPES"
    DUPLICATE_TRANSACTION = "RS_ERROR_DUPLICATE_TRANSACTION"
    TRANSACTION_DOES_NOT_EXIST = "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"
    LIMIT_REACHED = "RS_ERROR_LIMIT_REACHED"
    TRANSACTION_ROLLED_BACK = "RS_ERROR_TRANSACTION_ROLLED_BACK"
    ALL = (
        OK,
        UNKNOWN,
        INVALID_PARTNER,
        INVALID_TOKEN,
        INVALID_GAME,
        WRONG_CURRENCY,
        NOT_ENOUGH_MONEY,
        USER_DISABLED,
        INVALID_SIGNATURE,
        TOKEN_EXPIRED,
        WRONG_SYNTAX,
        WRONG_TYPES,
        DUPLICATE_TRANSACTION,
        TRANSACTION_DOES_NOT_EXIST,
        LIMIT_REACHED,
        TRANSACTION_ROLLED_BACK,
    )


# --- Readings of points hub88.md marks unconfirmed (each kept here, once; see docs/hub88.md) ---

# A win whose bet was rolled back, and a bet whose rollback came first. The current Hub88 docs
# say a win whose referenced bet "wasn't processed or was rolled back" answers
# TRANSACTION_DOES_NOT_EXIST; the legacy wrapper had RS_ERROR_TRANSACTION_ROLLED_BACK. Which one
# Hub88's staging tests expect is to be asked; change this one line if they want the other.
ROLLED_BACK_STATUS = RS.TRANSACTION_DOES_NOT_EXIST

# Temporary failures (lock not had in time, database unreachable, our own rate limit). Hub88
# has no "retry" status; RS_ERROR_UNKNOWN is the generic one: a bet so answered is rolled back
# by Hub88 (its retry policy), a win or rollback is retried until it succeeds.
RETRYABLE_STATUS = RS.UNKNOWN

# An amount with more decimals than the currency has (e.g. 356001 = 3.56001 EUR): refused,
# never rounded. The value does not fit the type "whole minor units of this currency".
INEXACT_AMOUNT_STATUS = RS.WRONG_TYPES

# An amount larger than any wallet of its currency holds (bigint minor units: 10 ETH is more
# than 2^63-1 wei): refused for the same reason, with a final status (not RS_ERROR_UNKNOWN, on
# which Hub88 would resend a win for ever). A win that would take a balance past that largest
# balance is the wallet's VALIDATION_ERROR, i.e. RS_ERROR_WRONG_SYNTAX, final as well.
OVERSIZED_AMOUNT_STATUS = RS.WRONG_TYPES

# Hub88 does not document signed responses. Signing them is harmless if ignored and right if
# Hub88 checks them, so we sign whenever our private key is configured.
SIGN_RESPONSES = True

# One table: the wallet's error codes as Hub88 statuses.
WALLET_STATUS: dict[str, str] = {
    ErrorCode.VALIDATION_ERROR: RS.WRONG_SYNTAX,
    ErrorCode.INVALID_SIGNATURE: RS.INVALID_SIGNATURE,
    ErrorCode.INSUFFICIENT_FUNDS: RS.NOT_ENOUGH_MONEY,
    ErrorCode.PLAYER_BLOCKED: RS.USER_DISABLED,
    # Self-exclusion and responsible-gaming limits: a clean reject Hub88 does not roll back.
    ErrorCode.RG_BLOCKED: RS.LIMIT_REACHED,
    ErrorCode.SESSION_EXPIRED: RS.TOKEN_EXPIRED,
    # Hub88 has no "unknown user": a user we do not know cannot hold a token of ours.
    ErrorCode.PLAYER_NOT_FOUND: RS.INVALID_TOKEN,
    ErrorCode.SESSION_NOT_FOUND: RS.INVALID_TOKEN,
    ErrorCode.DUPLICATE_TRANSACTION: RS.DUPLICATE_TRANSACTION,
    ErrorCode.TRANSACTION_NOT_FOUND: RS.TRANSACTION_DOES_NOT_EXIST,
    ErrorCode.TRANSACTION_ROLLED_BACK: ROLLED_BACK_STATUS,
    # Final refusals Hub88 has no status of its own for. Not RS_ERROR_UNKNOWN: Hub88 reads that
    # as our failure and resends a win or rollback until it succeeds, which these never will.
    # A win in a closed round: the bet it pays is settled, so no bet it could pay exists (the
    # status Hub88 documents for a win whose bet cannot be found); a bet so refused is rolled
    # back by Hub88 as after any refusal, and that rollback answers RS_OK.
    ErrorCode.ROUND_CLOSED: RS.TRANSACTION_DOES_NOT_EXIST,
    # A rollback of a win, or of a bet whose round is closed: no bet that can still be rolled
    # back exists under that id. The refusal is remembered: every resend gets it again.
    ErrorCode.TRANSACTION_ALREADY_SETTLED: RS.TRANSACTION_DOES_NOT_EXIST,
    ErrorCode.CURRENCY_MISMATCH: RS.WRONG_CURRENCY,
    # A win over our risk limits for the aggregator: a final, clean reject (not RS_ERROR_UNKNOWN,
    # which Hub88 retries). Staff are alerted and pay a genuine win by hand.
    ErrorCode.RISK_LIMIT_EXCEEDED: RS.LIMIT_REACHED,
    # Only temporary failures answer the generic status: a resend may succeed. A stale FX rate is
    # one (not remembered): once the rate feed is back, Hub88's resend of a win is paid.
    ErrorCode.FX_RATE_STALE: RETRYABLE_STATUS,
    ErrorCode.RATE_LIMITED: RETRYABLE_STATUS,
    ErrorCode.RETRY: RETRYABLE_STATUS,
}


def status_of(code: str) -> str:
    # A code this table does not know yet (a new wallet rule) is still an answer, never a 500.
    return WALLET_STATUS.get(code, RS.UNKNOWN)


class Refusal(Exception):
    """A status decided in the adapter (bad input, unknown currency) before any service runs."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

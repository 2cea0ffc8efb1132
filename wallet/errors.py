"""The wallet's errors. Protocols map their codes (ErrorCode, the vocabulary every API of ours
shares: casino/errors.py) to their own wire statuses."""

from casino.errors import ErrorCode

__all__ = ["REMEMBERED_CODES", "WALLET_CODES", "ErrorCode", "RetryLater", "WalletError"]

# The codes a wallet call can answer: every protocol adapter maps each of them to its wire
# status (tests/wallet/test_error_codes.py). The enum (casino/errors.py) also holds the launch
# API's codes, which no wallet call answers.
WALLET_CODES = frozenset(
    {
        ErrorCode.VALIDATION_ERROR,
        ErrorCode.INVALID_SIGNATURE,
        ErrorCode.INSUFFICIENT_FUNDS,
        ErrorCode.PLAYER_BLOCKED,
        ErrorCode.RG_BLOCKED,
        ErrorCode.SESSION_EXPIRED,
        ErrorCode.PLAYER_NOT_FOUND,
        ErrorCode.SESSION_NOT_FOUND,
        ErrorCode.DUPLICATE_TRANSACTION,
        ErrorCode.TRANSACTION_NOT_FOUND,
        ErrorCode.TRANSACTION_ROLLED_BACK,
        ErrorCode.TRANSACTION_ALREADY_SETTLED,
        ErrorCode.ROUND_CLOSED,
        ErrorCode.CURRENCY_MISMATCH,
        ErrorCode.FX_RATE_STALE,
        ErrorCode.RISK_LIMIT_EXCEEDED,
        ErrorCode.RATE_LIMITED,
        ErrorCode.RETRY,
    }
)

# Refusals for a business reason are remembered with their answer, so a resend gets the same
# answer and a rollback of a refused bet moves nothing. Everything else (bad input, bad
# signature, unknown player/session, conflicts, temporary failures) leaves no trace. A stale FX
# rate is temporary too: once the feed is back, a resend of the same call is applied.
REMEMBERED_CODES = frozenset(
    {
        ErrorCode.INSUFFICIENT_FUNDS,
        ErrorCode.PLAYER_BLOCKED,
        ErrorCode.RG_BLOCKED,
        ErrorCode.SESSION_EXPIRED,
        ErrorCode.TRANSACTION_NOT_FOUND,
        ErrorCode.TRANSACTION_ROLLED_BACK,
        ErrorCode.TRANSACTION_ALREADY_SETTLED,
        ErrorCode.ROUND_CLOSED,
        ErrorCode.CURRENCY_MISMATCH,
        ErrorCode.RISK_LIMIT_EXCEEDED,
    }
)


class WalletError(Exception):
    # Seconds after which a refused call may be sent again (rate limit): the Retry-After header.
    retry_after: int | None = None

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        balance: int | None = None,
        currency: str | None = None,
        rg_reason: str = "",
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.balance = balance
        self.currency = currency
        # RG_BLOCKED only: the machine-readable reason (casino.responsible_gaming.RgReason).
        self.rg_reason = rg_reason

    @property
    def is_remembered(self) -> bool:
        return self.code in REMEMBERED_CODES


class RetryLater(WalletError):
    """A temporary failure (lock not had in time, database unreachable): safe to resend."""

    def __init__(self, message: str = "temporarily unavailable, please retry"):
        super().__init__(ErrorCode.RETRY, message)


class RateLimited(WalletError):
    """More calls this minute than the aggregator's rate limit: safe to resend after
    `retry_after` seconds (the native protocol sends them as Retry-After)."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(ErrorCode.RATE_LIMITED, message)
        self.retry_after = retry_after

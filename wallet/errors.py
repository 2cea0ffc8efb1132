"""The wallet's error vocabulary. Protocols map these codes to their own wire statuses."""

from enum import StrEnum


class ErrorCode(StrEnum):
    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    PLAYER_BLOCKED = "PLAYER_BLOCKED"
    RG_BLOCKED = "RG_BLOCKED"
    SESSION_EXPIRED = "SESSION_EXPIRED"
    PLAYER_NOT_FOUND = "PLAYER_NOT_FOUND"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    DUPLICATE_TRANSACTION = "DUPLICATE_TRANSACTION"
    TRANSACTION_NOT_FOUND = "TRANSACTION_NOT_FOUND"
    TRANSACTION_ROLLED_BACK = "TRANSACTION_ROLLED_BACK"
    TRANSACTION_ALREADY_SETTLED = "TRANSACTION_ALREADY_SETTLED"
    ROUND_CLOSED = "ROUND_CLOSED"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    # A win over the aggregator's risk limits (wallet/services/risk.py): never applied.
    RISK_LIMIT_EXCEEDED = "RISK_LIMIT_EXCEEDED"
    RATE_LIMITED = "RATE_LIMITED"
    RETRY = "RETRY"


# Refusals for a business reason are remembered with their answer, so a resend gets the same
# answer and a rollback of a refused bet moves nothing. Everything else (bad input, bad
# signature, unknown player/session, conflicts, temporary failures) leaves no trace.
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

    def __init__(self, code: ErrorCode, message: str, *, balance: int | None = None, currency: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.balance = balance
        self.currency = currency

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

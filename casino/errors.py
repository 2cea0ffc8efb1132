"""The error vocabulary every API of ours answers with: the wallet protocols (each maps these
codes to its own wire statuses) and the front end's launch API. One enum, so a rule asked in
two places (may this player play?) answers with the same code in both."""

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    # --- The wallet's (wallet/errors.py: WALLET_CODES); the launch API answers some of them too.
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
    # A call played in another currency than the wallet's, with no rate within its validity.
    FX_RATE_STALE = "FX_RATE_STALE"
    # A win over the aggregator's risk limits (wallet/services/risk.py): never applied.
    RISK_LIMIT_EXCEEDED = "RISK_LIMIT_EXCEEDED"
    RATE_LIMITED = "RATE_LIMITED"
    RETRY = "RETRY"
    # --- The front end's API only (games/api.py; games/launch.py gives each its HTTP status).
    UNAUTHORIZED = "UNAUTHORIZED"
    GAME_NOT_FOUND = "GAME_NOT_FOUND"
    GAME_DISABLED = "GAME_DISABLED"
    DEMO_NOT_SUPPORTED = "DEMO_NOT_SUPPORTED"
    GAME_NOT_CERTIFIED = "GAME_NOT_CERTIFIED"
    # Hub88 makes its launch URLs itself: it refused (4xx), or gave no answer.
    AGGREGATOR_REFUSED = "AGGREGATOR_REFUSED"
    AGGREGATOR_UNAVAILABLE = "AGGREGATOR_UNAVAILABLE"


@dataclass(frozen=True)
class Refusal:
    """Why a rule says no: a stable code to branch on and a message for humans."""

    code: ErrorCode
    message: str

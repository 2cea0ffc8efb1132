"""Reading their side: one set of rules for a report item, a statement line and a settlement
event's transaction, so the three sources cannot drift apart (docs/reconciliation.md)."""

from datetime import UTC, datetime
from typing import NamedTuple

from reconciliation.models import TheirStatus

KINDS = ("bet", "win", "rollback")
MAX_AMOUNT = 10**15  # as the wallet protocol's: far above any stake, far below 64-bit overflow
# The longest each id may be (the columns' lengths): a longer one is refused, never truncated.
ID_LENGTH = {"id": 128, "event_id": 128, "player_id": 64, "round_id": 128, "currency": 10, "session_token": 64}


class TheirRow(NamedTuple):
    """One transaction as the aggregator counts it (the staging table's columns, in order)."""

    external_id: str
    kind: str  # bet | win | rollback
    player_id: str
    round_id: str
    amount: int | None  # minor units of `currency`
    currency: str
    status: str  # TheirStatus: settled | rolled_back | refused
    occurred_at: datetime


class RowError(ValueError):
    """A row we cannot read; the message names the field."""


def parse_time(value) -> datetime:
    """ISO 8601 with a zone (or Z). A time without a zone is refused: whose clock would it be?"""
    if not isinstance(value, str):
        raise RowError("time must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"time {value!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise RowError(f"time {value!r} has no time zone")
    return moment.astimezone(UTC)


def text(item: dict, name: str, *, required: bool = True) -> str:
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise RowError(f"{name} is required")
        return ""
    if not isinstance(value, str) or value != value.strip() or not value.isprintable():
        raise RowError(f"{name} must be a string without surrounding spaces or control characters")
    if len(value) > ID_LENGTH.get(name, 128):
        raise RowError(f"{name} is longer than {ID_LENGTH.get(name, 128)} characters")
    return value


def amount(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError("amount must be an integer (minor units)")
    if not 0 <= value <= MAX_AMOUNT:
        raise RowError(f"amount must be between 0 and {MAX_AMOUNT}")
    return value


def their_row(item) -> TheirRow:
    """A report item or statement row: id, kind, player_id, round_id, amount, currency, status, time."""
    if not isinstance(item, dict):
        raise RowError("a transaction must be an object")
    kind = item.get("kind")
    if kind not in KINDS:
        raise RowError(f"kind must be one of {', '.join(KINDS)}")
    status = item.get("status")
    if status not in TheirStatus.values:
        raise RowError(f"status must be one of {', '.join(TheirStatus.values)}")
    return TheirRow(
        external_id=text(item, "id"),
        kind=kind,
        player_id=text(item, "player_id"),
        round_id=text(item, "round_id", required=False),
        amount=amount(item.get("amount")),
        currency=text(item, "currency"),
        status=status,
        occurred_at=parse_time(item.get("time")),
    )

"""Hub88's `transactions/list` (docs/hub88.md) as a report: the Operator API call is games'
Hub88 client's business, but reconciliation may not import games (same layer), so the one
signed POST it needs is made here with the same signing and the same outbound rules
(casino/outbound.py: 429 + Retry-After, backoff, timeout)."""

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import requests

from casino.models import Aggregator, Currency
from casino.money import InexactAmount, rescale
from casino.outbound import OutboundError, RetryPolicy, send
from casino.signing import rsa_sign
from reconciliation.clients.base import ReportError, TheirRow
from reconciliation.parsing import RowError, parse_time

TRANSACTIONS_LIST = "/operator/generic/v2/transactions/list"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
HUB88_EXPONENT = 5  # Hub88 counts 1/100000 of a unit
STATUSES = {"TS_SUCCESS": "settled", "TS_DECLINED": "refused", "TS_ROLLBACK": "rolled_back"}
KINDS = {"bet": "bet", "win": "win", "rollback": "rollback", "refund": "rollback"}


class Hub88ReportClient:
    def __init__(
        self,
        aggregator: Aggregator,
        *,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.aggregator = aggregator
        self.policy = policy or RetryPolicy()
        self.session = session
        self.sleep = sleep

    def transactions(self, start: datetime, end: datetime) -> Iterator[TheirRow]:
        aggregator = self.aggregator
        if not (aggregator.api_base_url and aggregator.private_key_pem and aggregator.operator_id):
            raise ReportError(f"aggregator {aggregator.code} needs an API base URL, our private key and operator_id")
        body = json.dumps(
            {
                "operator_id": aggregator.operator_id,
                "start_time": start.astimezone(UTC).strftime(TIME_FORMAT),
                "end_time": end.astimezone(UTC).strftime(TIME_FORMAT),
            },
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub88-Signature": rsa_sign(aggregator.private_key_pem, body),
        }
        url = aggregator.api_base_url.rstrip("/") + TRANSACTIONS_LIST
        try:
            response = send(
                "POST", url, body=body, headers=headers, policy=self.policy, session=self.session, sleep=self.sleep
            )
        except OutboundError as exc:
            raise ReportError(str(exc)) from exc
        if response.status_code != 200:
            raise ReportError(f"POST {TRANSACTIONS_LIST} answered {response.status_code}: {response.text[:200]}")
        try:
            items = response.json()
        except ValueError:
            raise ReportError(f"POST {TRANSACTIONS_LIST}: the answer is not JSON") from None
        if not isinstance(items, list):
            raise ReportError(f"POST {TRANSACTIONS_LIST}: expected a list of transactions")
        exponents = dict(Currency.objects.values_list("code", "exponent"))
        for index, item in enumerate(items):
            try:
                yield hub88_row(item, exponents)
            except (RowError, KeyError, TypeError, ValueError, InexactAmount) as exc:
                raise ReportError(f"transaction {index}: {exc}") from None


def hub88_row(item: dict, exponents: dict[str, int]) -> TheirRow:
    currency = str(item["currency"])
    if currency not in exponents:
        raise RowError(f"unknown currency {currency!r}")
    amount = item.get("amount")
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise RowError("amount must be an integer")
        amount = rescale(amount, from_exponent=HUB88_EXPONENT, to_exponent=exponents[currency])
    kind = KINDS.get(str(item.get("type") or item.get("kind") or "").lower())
    if kind is None:
        raise RowError(f"unknown transaction type {item.get('type')!r}")
    status = STATUSES.get(str(item.get("status")))
    if status is None:
        raise RowError(f"unknown status {item.get('status')!r}")
    return TheirRow(
        external_id=str(item["transaction_uuid"]),
        kind=kind,
        player_id=str(item.get("user") or ""),
        round_id=str(item.get("round") or ""),
        amount=amount,
        currency=currency,
        status=status,
        occurred_at=parse_time(item.get("created_at") or item["timestamp"]),
    )

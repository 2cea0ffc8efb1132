"""The native protocol's report endpoint, as an aggregator serves it (docs/native-protocol.md,
"Reports"): `GET {api_base_url}/reports/transactions?from=&to=&cursor=&limit=`, signed like
a catalog call (HMAC over "{timestamp}." and the empty body), one page per call."""

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from urllib.parse import urlencode

import requests

from casino.models import Aggregator
from casino.outbound import OutboundError, RetryPolicy, send
from casino.signing import native_signature
from reconciliation.clients.base import ReportError, TheirRow
from reconciliation.parsing import RowError, their_row

PAGE_SIZE = 5000
MAX_PAGES = 100_000  # a cursor that never ends is the aggregator's bug, not an endless run


class NativeReportClient:
    def __init__(
        self,
        aggregator: Aggregator,
        *,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = PAGE_SIZE,
    ):
        self.aggregator = aggregator
        self.policy = policy or RetryPolicy()
        self.session = session or requests.Session()
        self.sleep = sleep
        self.page_size = page_size

    def signed_headers(self) -> dict:
        timestamp = str(int(time.time()))
        return {
            "X-Aggregator-Key": self.aggregator.key_id,
            "X-Timestamp": timestamp,
            "X-Signature": native_signature(self.aggregator.signing_secret, timestamp, b""),
            "Accept": "application/json",
        }

    def transactions(self, start: datetime, end: datetime) -> Iterator[TheirRow]:
        if not self.aggregator.api_base_url:
            raise ReportError(f"aggregator {self.aggregator.code} has no API base URL")
        base = self.aggregator.api_base_url.rstrip("/") + "/reports/transactions"
        cursor = ""
        for _ in range(MAX_PAGES):
            query = {"from": start.isoformat(), "to": end.isoformat(), "limit": self.page_size}
            if cursor:
                query["cursor"] = cursor
            page = self._page(f"{base}?{urlencode(query)}")
            for index, item in enumerate(page["transactions"]):
                try:
                    yield their_row(item)
                except RowError as exc:
                    raise ReportError(f"report item {index} after cursor {cursor!r}: {exc}") from None
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return
        raise ReportError(f"the report did not end after {MAX_PAGES} pages")

    def _page(self, url: str) -> dict:
        try:
            response = send(
                "GET", url, headers=self.signed_headers, policy=self.policy, session=self.session, sleep=self.sleep
            )
        except OutboundError as exc:
            raise ReportError(str(exc)) from exc
        if response.status_code != 200:
            raise ReportError(f"GET {url} answered {response.status_code}: {response.text[:200]}")
        try:
            page = response.json()
        except ValueError:
            raise ReportError(f"GET {url}: the answer is not JSON") from None
        if not isinstance(page, dict) or not isinstance(page.get("transactions"), list):
            raise ReportError(f'GET {url}: expected {{"transactions": [...], "next_cursor": ...}}')
        if not isinstance(page.get("next_cursor") or "", str):
            raise ReportError(f"GET {url}: next_cursor must be a string or null")
        return page

"""Outbound HTTP to aggregators (catalog, launch, reports): one place for retries, shared by
every app that calls an aggregator (games: catalog and launch; reconciliation: reports).

Honours 429 with Retry-After; retries other temporary failures (5xx, timeouts, refused
connections) with exponential backoff and full jitter; gives up after a bounded number of
attempts. Never call this while holding a database lock.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class OutboundError(Exception):
    """The aggregator did not give a usable answer after all attempts."""

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 0):
        super().__init__(message)
        self.status = status
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5  # seconds; the n-th retry waits up to base_delay * 2**n
    max_delay: float = 30.0
    timeout: float = 10.0  # per attempt

    def backoff(self, retry_number: int) -> float:
        # "Full jitter": spreads the retries of many clients instead of synchronising them.
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**retry_number))

    def retry_after(self, header: str | None, retry_number: int) -> float:
        seconds = parse_retry_after(header)
        return min(self.max_delay, seconds) if seconds is not None else self.backoff(retry_number)


def parse_retry_after(header: str | None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def send(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict | Callable[[], dict] | None = None,
    policy: RetryPolicy = RetryPolicy(),
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> requests.Response:
    """Send `body` verbatim (signatures cover these exact bytes); return the first final answer.

    A final answer is any response that is not 429 or a 5xx. Raises OutboundError when every
    attempt failed temporarily. `headers` may be a function called before each attempt, so
    that a signed timestamp is fresh even after a long Retry-After.
    """
    http = session or requests
    last_status = None
    for attempt in range(policy.attempts):
        try:
            attempt_headers = headers() if callable(headers) else headers
            response = http.request(method, url, data=body, headers=attempt_headers, timeout=policy.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            last_status, delay = None, policy.backoff(attempt)
            logger.warning("%s %s failed (%s); retry in %.2fs", method, url, exc.__class__.__name__, delay)
        else:
            if response.status_code not in RETRYABLE_STATUS:
                return response
            last_status = response.status_code
            if response.status_code == 429:
                delay = policy.retry_after(response.headers.get("Retry-After"), attempt)
            else:
                delay = policy.backoff(attempt)
            logger.warning("%s %s answered %s; retry in %.2fs", method, url, response.status_code, delay)
        if attempt + 1 < policy.attempts:
            sleep(delay)
    raise OutboundError(
        f"{method} {url}: no answer after {policy.attempts} attempts (last status {last_status})",
        status=last_status,
        attempts=policy.attempts,
    )

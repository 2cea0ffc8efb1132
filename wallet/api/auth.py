"""Who is calling: aggregator lookup, signature windows, skew recording, inbound rate limits."""

import logging
import time
from datetime import timedelta

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from casino.models import Aggregator
from wallet.errors import ErrorCode, WalletError

logger = logging.getLogger(__name__)

# The skew is written at most this often per aggregator: often enough to watch, rarely
# enough that the aggregator row never becomes a hot spot under load.
SKEW_RECORD_INTERVAL = timedelta(seconds=1)
# Above this, staff are alerted (admin shows it red); go-live item 3.
SKEW_ALERT_SECONDS = 1.0
# Every callback names its aggregator, and reading the row each time costs a database round
# trip per call. Each process keeps what it read this long; a change saved through the model
# (admin, services, commands) clears this process's copies at once, other processes' within
# this many seconds (a deactivated aggregator or a replaced secret stops working by then).
# Secrets are decrypted when the row is loaded (casino/crypto.py): a cached aggregator holds
# them in plaintext, so a call pays no decryption, only each reload does (once per secret).
AGGREGATOR_CACHE_SECONDS = 5.0
_aggregators: dict[tuple, tuple[float, Aggregator]] = {}


def invalid_signature(message: str) -> WalletError:
    return WalletError(ErrorCode.INVALID_SIGNATURE, message)


def find_aggregator(*, key_id: str | None = None, code: str | None = None, protocol: str) -> Aggregator:
    lookup = {"key_id": key_id} if key_id is not None else {"code": code}
    key = (protocol, *lookup.items())
    now = time.monotonic()
    cached = _aggregators.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    if "\x00" in (key_id if key_id is not None else code or ""):
        # PostgreSQL text cannot hold NUL: the lookup would fail as a database error, i.e. a
        # 503 RETRY inviting endless resends, instead of the 401 a malformed header deserves.
        raise invalid_signature("unknown or inactive aggregator")
    aggregator = Aggregator.objects.filter(is_active=True, protocol=protocol, **lookup).first()
    if aggregator is None:
        raise invalid_signature("unknown or inactive aggregator")
    _aggregators[key] = (now + AGGREGATOR_CACHE_SECONDS, aggregator)
    return aggregator


@receiver([post_save, post_delete], sender=Aggregator, dispatch_uid="wallet.api.auth.forget_aggregators")
def forget_aggregators(**kwargs) -> None:
    """Drop this process's cached aggregators (their credentials or status may have changed)."""
    _aggregators.clear()


def check_timestamp(aggregator: Aggregator, timestamp: str) -> None:
    """Refuse a request signed outside the aggregator's window; record the skew we saw."""
    # The length cap keeps int() away from Python's 4300-digit limit (a 500, not a 401).
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise invalid_signature("X-Timestamp must be whole Unix seconds")
    skew = time.time() - int(timestamp)
    record_skew(aggregator, skew)
    if abs(skew) > aggregator.allowed_skew_seconds:
        raise invalid_signature(f"timestamp outside the allowed window of {aggregator.allowed_skew_seconds} s")


def record_skew(aggregator: Aggregator, skew: float) -> None:
    now = timezone.now()
    if aggregator.skew_observed_at and now - aggregator.skew_observed_at < SKEW_RECORD_INTERVAL:
        return
    Aggregator.objects.filter(pk=aggregator.pk).update(last_skew_seconds=round(skew, 3), skew_observed_at=now)
    # The instance may be this process's cached copy: it must know the skew was just written.
    aggregator.last_skew_seconds, aggregator.skew_observed_at = round(skew, 3), now


def check_rate_limit(aggregator: Aggregator) -> None:
    """Fixed one-minute window per aggregator, counted in the shared cache (Redis in production)."""
    limit = aggregator.rate_limit_per_minute
    if not limit:
        return
    now = time.time()
    window = int(now // 60)
    key = f"ratelimit:aggregator:{aggregator.pk}:{window}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except Exception as exc:  # noqa: BLE001 - whatever the cache backend raises
        # The limit shields us from floods; a cache outage must not turn every money call
        # into a 500 (an aggregator then rolls back bets it is unsure of). Fail open, loudly.
        logger.warning("rate limit of aggregator %s not checked: cache unavailable: %s", aggregator.code, exc)
        return
    if count > limit:
        error = WalletError(ErrorCode.RATE_LIMITED, f"more than {limit} requests this minute")
        error.retry_after = max(1, int(60 - now % 60))
        raise error

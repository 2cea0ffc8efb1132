"""Who is calling: one `authenticate_*` per protocol, signature windows, skew recording,
inbound rate limits. Reads go through casino/selectors.py, the skew write through
casino/services.py; this module only decides."""

import logging
import time

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from casino.jsonbody import read_body
from casino.models import Aggregator
from casino.selectors import active_aggregator
from casino.services import aggregator_record_skew
from casino.signing import native_signature_matches, rsa_signature_matches
from wallet.errors import ErrorCode, RateLimited, WalletError

logger = logging.getLogger(__name__)

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


def authenticate_native(request: HttpRequest) -> Aggregator:
    """The native aggregator that signed this request (docs/native-protocol.md, section 3):
    its key id, an HMAC over "{X-Timestamp}.{raw body}" with one of its secrets, a timestamp
    inside its window. Raises INVALID_SIGNATURE otherwise."""
    key_id = request.headers.get("X-Aggregator-Key")
    timestamp = request.headers.get("X-Timestamp")
    signature = request.headers.get("X-Signature")
    if not (key_id and timestamp and signature):
        raise invalid_signature("X-Aggregator-Key, X-Timestamp and X-Signature are required")
    aggregator = find_aggregator(key_id=key_id, protocol=Aggregator.Protocol.NATIVE)
    # Signature before the window: check_timestamp records the skew staff watch (and alert
    # on), so only a genuine request may move it, not anyone who knows a key id.
    # (isascii first: the timestamp is signed as ASCII; check_timestamp refuses the rest.)
    if timestamp.isascii() and not native_signature_matches(
        aggregator.signing_secrets(), timestamp, read_body(request), signature
    ):
        raise invalid_signature("signature does not match")
    check_timestamp(aggregator, timestamp)
    return aggregator


def authenticate_hub88(code: str, raw: bytes, headers) -> Aggregator:
    """The Hub88 aggregator `code` names, if X-Hub88-Signature verifies `raw` (the exact bytes
    received) with its public key (docs/hub88.md). Raises INVALID_SIGNATURE otherwise."""
    aggregator = find_aggregator(code=code, protocol=Aggregator.Protocol.HUB88)
    if not rsa_signature_matches(aggregator.public_key_pem, raw, headers.get("X-Hub88-Signature")):
        raise invalid_signature("X-Hub88-Signature does not verify with the aggregator's public key")
    return aggregator


def find_aggregator(*, key_id: str | None = None, code: str | None = None, protocol: str) -> Aggregator:
    lookup = {"key_id": key_id} if key_id is not None else {"code": code}
    key = (protocol, *lookup.items())
    now = time.monotonic()
    cached = _aggregators.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    aggregator = active_aggregator(protocol=protocol, **lookup)
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
    aggregator_record_skew(aggregator=aggregator, skew=skew)
    if abs(skew) > aggregator.allowed_skew_seconds:
        raise invalid_signature(f"timestamp outside the allowed window of {aggregator.allowed_skew_seconds} s")


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
        # Until the window turns: the next minute starts with a fresh count.
        raise RateLimited(f"more than {limit} requests this minute", retry_after=max(1, int(60 - now % 60)))

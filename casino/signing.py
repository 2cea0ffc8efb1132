"""Request signatures shared by the server (verifying) and its clients (signing)."""

import hashlib
import hmac
from urllib.parse import urlencode


def native_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Native protocol v1: lowercase hex HMAC-SHA256(secret, "{timestamp}.{raw body}")."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def native_signature_matches(secrets: list[str], timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time check against every currently valid secret (two during a rotation)."""
    given = signature.strip().lower()
    matched = False
    for secret in secrets:
        # No early exit: the time taken must not tell which secret (if any) matched.
        matched |= hmac.compare_digest(native_signature(secret, timestamp, body), given)
    return matched


def canonical_query(params: dict[str, str]) -> str:
    """Parameters sorted by name and URL-encoded: the same string whatever order they came in."""
    return urlencode(sorted((k, str(v)) for k, v in params.items()))


def launch_signature(secret: str, params: dict[str, str]) -> str:
    """Signed launch URLs: hex HMAC-SHA256(secret, canonical query of every parameter but `signature`)."""
    unsigned = {k: v for k, v in params.items() if k != "signature"}
    return hmac.new(secret.encode("utf-8"), canonical_query(unsigned).encode("ascii"), hashlib.sha256).hexdigest()

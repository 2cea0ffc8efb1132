"""Request signatures shared by the server (verifying) and its clients (signing)."""

import base64
import functools
import hashlib
import hmac
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def native_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Native protocol v1: lowercase hex HMAC-SHA256(secret, "{timestamp}.{raw body}")."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def native_signature_matches(secrets: list[str], timestamp: str, body: bytes, signature: str) -> bool:
    """Does `signature` match under any currently valid secret (two during a rotation)?"""
    return secret_matches(signature.strip().lower(), *(native_signature(s, timestamp, body) for s in secrets))


def secret_matches(given: str | None, *expected: str) -> bool:
    """True iff `given` equals one of `expected` in full: the one comparison of secrets, keys and
    signatures in this code base (a second, hand-written one is where a shortcut creeps in).

    hmac.compare_digest over the UTF-8 bytes of the whole values: the time taken does not grow
    with how many leading characters a guess got right. Every candidate is compared, with no
    early exit, so the time does not tell which one (if any) matched either. Non-ASCII input is
    compared as bytes like any other, never raising (compare_digest raises TypeError on
    non-ASCII str, which would turn a malformed header into a 500). An empty value never
    matches: a secret left unset must not let in a request that sends none.
    """
    if not given:
        return False
    # surrogatepass: a lone surrogate (possible in decoded JSON) still becomes bytes to compare.
    given_bytes = given.encode("utf-8", "surrogatepass")
    matched = False
    for candidate in expected:
        if candidate:
            matched |= hmac.compare_digest(given_bytes, candidate.encode("utf-8", "surrogatepass"))
    return matched


def canonical_query(params: dict[str, str]) -> str:
    """Parameters sorted by name and URL-encoded: the same string whatever order they came in."""
    return urlencode(sorted((k, str(v)) for k, v in params.items()))


def launch_signature(secret: str, params: dict[str, str]) -> str:
    """Signed launch URLs: hex HMAC-SHA256(secret, canonical query of every parameter but `signature`)."""
    unsigned = {k: v for k, v in params.items() if k != "signature"}
    return hmac.new(secret.encode("utf-8"), canonical_query(unsigned).encode("ascii"), hashlib.sha256).hexdigest()


# --- RSA-SHA256 (Hub88's X-Hub88-Signature) -------------------------------------------------
# PKCS#1 v1.5 padding, SHA-256 digest, standard base64 (with padding, no line breaks), over the
# exact bytes of the request body. PKCS#1 v1.5 is deterministic: the same key and body always
# give the same signature, so the published test vectors can be reproduced, not only verified.


@functools.lru_cache(maxsize=32)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    # Parsing a PEM costs far more than a signature; keys are cached by their text, so a key
    # replaced in the admin is simply a new cache entry.
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


@functools.lru_cache(maxsize=32)
def _public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def rsa_sign(private_key_pem: str, body: bytes) -> str:
    """Base64 RSA-SHA256 (PKCS#1 v1.5) signature of `body`."""
    signature = _private_key(private_key_pem).sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa_signature_matches(public_key_pem: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` (base64) is a valid RSA-SHA256 signature of `body`.

    Anything unusable (no key configured, an unreadable key, missing or malformed base64)
    is simply a mismatch: the caller answers "invalid signature" either way.
    """
    if not public_key_pem or not signature:
        return False
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
        _public_key(public_key_pem).verify(raw, body, padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm, InvalidSignature):
        return False
    return True


def rsa_key_problem(pem: str, *, private: bool) -> str | None:
    """Why `pem` is not a usable RSA key of that kind (None when it is): for configuration
    time, so a bad key is refused when entered rather than failing every call later."""
    try:
        (_private_key if private else _public_key)(pem)
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        return f"not a readable RSA {'private' if private else 'public'} key in PEM ({exc.__class__.__name__})"
    return None

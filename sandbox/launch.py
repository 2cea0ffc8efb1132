"""How the sandbox checks a launch URL the back-office signed (contract item 2).

Valid iff every required parameter is present once, `key` names the sandbox's key id, the
signature equals launch_signature(secret, params) over the canonical (sorted, URL-encoded)
query, and `expires` is not further in the past than the allowed clock skew. The order of the
parameters in the URL never matters: the signature is over the canonical form.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from casino.signing import launch_signature, secret_matches

REQUIRED = ("session_token", "game", "player_id", "currency", "mode", "country", "lang", "expires", "key", "signature")
DEFAULT_SKEW_SECONDS = 30


@dataclass(frozen=True)
class LaunchCheck:
    ok: bool
    reason: str = ""
    params: dict[str, str] = field(default_factory=dict)


def parse_expires(value: str) -> float | None:
    """Unix seconds (what we expect), or an ISO-8601 instant with a zone; None if neither."""
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo else None


def check_launch_query(
    query: str, *, key_id: str, secret: str, skew_seconds: int = DEFAULT_SKEW_SECONDS, now: float | None = None
) -> LaunchCheck:
    pairs = parse_qsl(query, keep_blank_values=True)
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            return LaunchCheck(False, f"parameter {name!r} appears twice")
        params[name] = value
    missing = [name for name in REQUIRED if name not in params]
    if missing:
        return LaunchCheck(False, f"missing parameter(s): {', '.join(missing)}", params)
    if params["key"] != key_id:
        return LaunchCheck(False, "unknown key", params)
    if not secret_matches(params["signature"].strip().lower(), launch_signature(secret, params)):
        return LaunchCheck(False, "signature does not match", params)
    expires = parse_expires(params["expires"])
    if expires is None:
        return LaunchCheck(False, "expires is not a time", params)
    now = time.time() if now is None else now
    if expires < now - skew_seconds:
        return LaunchCheck(False, f"expired {int(now - expires)} s ago", params)
    return LaunchCheck(True, "", params)


def check_launch_url(url: str, **kwargs) -> LaunchCheck:
    return check_launch_query(urlsplit(url).query, **kwargs)

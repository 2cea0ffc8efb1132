"""Outbound client for the native protocol (our own aggregators and the sandbox).

`GET {api_base_url}/catalog/games`, signed like a callback: X-Aggregator-Key, X-Timestamp and
X-Signature = hex HMAC-SHA256(signing secret, "{timestamp}.") over the empty body. See
docs/catalog-and-launch.md for the answer's shape.
"""

import json
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import requests

from casino.models import Aggregator
from casino.outbound import RetryPolicy, send
from casino.signing import native_signature
from games.clients.base import CatalogEntry, Certification, FreeSpinsOrder


class CatalogError(Exception):
    """The aggregator answered, but not with a catalog we can apply (nothing is changed)."""


class NativeClient:
    def __init__(
        self,
        aggregator: Aggregator,
        *,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        self.aggregator = aggregator
        self.policy = policy or RetryPolicy()
        self.session = session
        self.sleep = sleep
        self.clock = clock

    def signed_headers(self, body: bytes = b"") -> dict:
        timestamp = str(int(self.clock()))
        return {
            "X-Aggregator-Key": self.aggregator.key_id,
            "X-Timestamp": timestamp,
            "X-Signature": native_signature(self.aggregator.signing_secret, timestamp, body),
            "Accept": "application/json",
        }

    def fetch_catalog(self) -> list[CatalogEntry]:
        """The aggregator's whole catalog. Raises OutboundError (no answer) or CatalogError (bad answer)."""
        if not self.aggregator.api_base_url:
            raise CatalogError(f"aggregator {self.aggregator.code} has no API base URL")
        url = self.aggregator.api_base_url.rstrip("/") + "/catalog/games"
        response = send(
            "GET",
            url,
            headers=self.signed_headers,  # re-signed on every attempt
            policy=self.policy,
            session=self.session,
            sleep=self.sleep,
        )
        if response.status_code != 200:
            raise CatalogError(f"GET {url} answered {response.status_code}: {response.text[:200]}")
        try:
            payload = response.json()
        except ValueError:
            raise CatalogError(f"GET {url}: the answer is not JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("games"), list):
            raise CatalogError(f'GET {url}: expected {{"games": [...]}}')
        return parse_catalog(payload["games"])

    def grant_free_spins(self, order: FreeSpinsOrder) -> str:
        """POST {api_base_url}/free-spins, signed like a callback over its body (docs/money.md):
        answers {"grant_id": "..."}. Raises OutboundError (no answer) or CatalogError (refused)."""
        url = self.aggregator.api_base_url.rstrip("/") + "/free-spins"
        body = json.dumps(
            {
                "reference": order.reference,
                "player_id": order.player_id,
                "game_id": order.game_code,
                "currency": order.currency,
                "spins": order.spins,
                "bet_value": order.bet_value,
                "starts_at": order.starts_at.isoformat(),
                "expires_at": order.expires_at.isoformat(),
            },
            separators=(",", ":"),
        ).encode()
        response = send(
            "POST",
            url,
            body=body,
            headers=lambda: {**self.signed_headers(body), "Content-Type": "application/json"},
            policy=self.policy,
            session=self.session,
            sleep=self.sleep,
        )
        if response.status_code != 200:
            raise CatalogError(f"POST {url} answered {response.status_code}: {response.text[:200]}")
        try:
            grant_id = response.json()["grant_id"]
        except (ValueError, KeyError, TypeError):
            raise CatalogError(f'POST {url}: expected {{"grant_id": ...}}') from None
        if not isinstance(grant_id, str) or not grant_id:
            raise CatalogError(f"POST {url}: grant_id must be a non-empty string")
        return grant_id


def parse_catalog(items: list) -> list[CatalogEntry]:
    """Every entry or none: a malformed entry fails the whole list, so a bad answer can never
    disable the games it failed to describe."""
    entries, problems = [], []
    for index, item in enumerate(items):
        try:
            entries.append(parse_entry(item))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            problems.append(f"entry {index}: {exc.__class__.__name__}: {exc}")
    ids = [e.external_id for e in entries]
    codes = [e.code for e in entries]
    if len(set(ids)) != len(ids):
        problems.append("the same game id is listed twice")
    if len(set(codes)) != len(codes):
        problems.append("the same game code is listed twice")
    if problems:
        raise CatalogError("malformed catalog: " + "; ".join(problems[:10]))
    return entries


def parse_entry(item: dict) -> CatalogEntry:
    if not isinstance(item, dict):
        raise TypeError("a game must be an object")
    provider = item["provider"]
    rtp = item.get("rtp")
    rtp = None if rtp in (None, "") else Decimal(str(rtp))
    if rtp is not None and not (0 <= rtp <= 100):
        raise ValueError(f"rtp {rtp} is not a percentage")
    certifications = tuple(
        Certification(
            country=_text(c["country"], "country", 2).upper(),
            rtp_profile=_text(c["rtp_profile"], "rtp_profile", 16),
            build_hash=_text(c["build_hash"], "build_hash", 128),
        )
        for c in item.get("certifications") or []
    )
    return CatalogEntry(
        external_id=_text(item["id"], "id", 128),
        code=_text(item["code"], "code", 128),
        name=_text(item["name"], "name", 200),
        provider_code=_text(provider["code"], "provider.code", 64),
        provider_name=_text(provider.get("name") or provider["code"], "provider.name", 128),
        category=str(item.get("category") or "")[:64],
        rtp=rtp,
        demo_supported=_flag(item.get("demo", False), "demo"),
        enabled=_flag(item.get("enabled", True), "enabled"),
        certifications=certifications,
        raw=item,
    )


def _text(value, name: str, max_length: int) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise ValueError(f"{name} must be a non-empty string")
    value = str(value).strip()
    if len(value) > max_length:
        raise ValueError(f"{name} is longer than {max_length} characters")
    return value


def _flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value

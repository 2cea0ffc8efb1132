"""Outbound client for Hub88's Operator API (docs/hub88.md): games list, game URL, transactions.

Every call is a POST of compact JSON to `{api_base_url}{path}`. The body is serialised once,
signed with OUR private key (X-Hub88-Signature = base64 RSA-SHA256 of those exact bytes) and
the same bytes are sent, through the shared HTTP client (429 + Retry-After, backoff). Hub88
verifies with the public key we registered for the `operator_id` in the body. Its errors are
real HTTP statuses with `{"error": "..."}`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import requests
from django.utils.text import slugify

from casino.models import Aggregator, Currency
from casino.money import rescale
from casino.outbound import RetryPolicy, send
from casino.signing import rsa_sign
from games.clients.base import CatalogEntry, FreeSpinsOrder
from games.clients.native import CatalogError

GAME_LIST = "/operator/generic/v2/game/list"
GAME_URL = "/operator/generic/v2/game/url"
TRANSACTIONS_LIST = "/operator/generic/v2/transactions/list"
FREEBET_REWARD_CREATE = "/operator/generic/v2/freebet/rewards/create"

# Hub88's documented time format for the transactions list; sent in UTC (the docs show no zone).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


class Hub88Error(Exception):
    """Hub88 answered, but with an error (4xx) or a body we cannot use."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class Hub88Client:
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

    # --- Games API ---------------------------------------------------------------------------

    def fetch_catalog(self, **filters) -> list[CatalogEntry]:
        """The games enabled for our operator. Hub88 allows 1 call per minute (429 otherwise).

        `filters` are passed as sent (product_code, release_date, latest). Raises OutboundError
        (no answer) or CatalogError (an error answer or a list we cannot read: nothing applied).
        """
        try:
            games = self.post(GAME_LIST, {"operator_id": self.operator_id, **filters})
        except Hub88Error as exc:
            raise CatalogError(str(exc)) from exc
        if not isinstance(games, list):
            raise CatalogError(f"POST {GAME_LIST}: expected a list of games")
        return parse_catalog(games)

    def game_url(
        self,
        *,
        game_code: str,
        currency: str,
        user: str | None = None,
        token: str | None = None,
        country: str = "XX",
        lang: str = "en",
        platform: str = "GPL_DESKTOP",
        ip: str | None = None,
        lobby_url: str | None = None,
        deposit_url: str | None = None,
        sub_partner_id: str | None = None,
        game_currency: str | None = None,
        meta: dict | None = None,
    ) -> str:
        """The URL the player's browser opens. Real play: our user and session token; demo:
        currency "XXX" and no user or token. Wallet calls for the token may follow."""
        body = {
            "operator_id": self.operator_id,
            "user": user,
            "token": token,
            "game_code": game_code,
            "currency": currency,
            "game_currency": game_currency,
            "country": country,
            "lang": lang,
            "platform": platform,
            "ip": ip,
            "lobby_url": lobby_url,
            "deposit_url": deposit_url,
            "sub_partner_id": sub_partner_id,
            "meta": meta,
        }
        answer = self.post(GAME_URL, {k: v for k, v in body.items() if v is not None})
        url = answer.get("url") if isinstance(answer, dict) else None
        if not isinstance(url, str) or not url:
            raise Hub88Error(f"POST {GAME_URL}: no url in the answer")
        return url

    # --- Transactions API (reconciliation) ---------------------------------------------------

    def list_transactions(self, start: datetime, end: datetime, **filters) -> list[dict]:
        """Hub88's record of our transactions between `start` and `end` (aware datetimes, or
        naive ones meaning UTC). `filters`: user, sub_partner_id, currency, round. Items are
        returned as Hub88 sends them (transaction_uuid, status TS_SUCCESS/TS_DECLINED, ...)."""
        body = {
            "operator_id": self.operator_id,
            "start_time": _utc(start).strftime(TIME_FORMAT),
            "end_time": _utc(end).strftime(TIME_FORMAT),
            **filters,
        }
        items = self.post(TRANSACTIONS_LIST, body)
        if not isinstance(items, list):
            raise Hub88Error(f"POST {TRANSACTIONS_LIST}: expected a list of transactions")
        return items

    # --- Freebets API (free spins) -------------------------------------------------------------

    def grant_free_spins(self, order: FreeSpinsOrder) -> str:
        """A single-use reward (docs/hub88.md, Freebets API): returns its reward_uuid, which
        Hub88's free bets and wins carry. Start and end are always sent (else Hub88 lets a reward
        run for weeks)."""
        body = {
            "operator_id": self.operator_id,
            "user": order.player_id,
            "currency": order.currency,
            "game_code": order.game_code,
            # Hub88 counts in 1/100000 of a unit: exact from minor units (exponent <= 5).
            "bet_value": rescale(
                order.bet_value,
                from_exponent=Currency.objects.get(pk=order.currency).exponent,
                to_exponent=5,
            ),
            "bet_count": order.spins,
            "start_time": _utc(order.starts_at).strftime(TIME_FORMAT),
            "end_time": _utc(order.expires_at).strftime(TIME_FORMAT),
            "operator_reference": order.reference,
        }
        answer = self.post(FREEBET_REWARD_CREATE, body)
        reward = answer.get("reward_uuid") if isinstance(answer, dict) else None
        if not isinstance(reward, str) or not reward:
            raise Hub88Error(f"POST {FREEBET_REWARD_CREATE}: no reward_uuid in the answer")
        return reward

    # --- Transport ---------------------------------------------------------------------------

    @property
    def operator_id(self) -> int:
        if self.aggregator.operator_id is None:
            raise Hub88Error(f"aggregator {self.aggregator.code} has no operator_id")
        return self.aggregator.operator_id

    def post(self, path: str, payload: dict):
        """Sign and send `payload`; return the decoded JSON of a 200 answer."""
        if not self.aggregator.api_base_url or not self.aggregator.private_key_pem:
            raise Hub88Error(f"aggregator {self.aggregator.code} needs an API base URL and our private key")
        # Serialised once: the signature covers these bytes and these bytes are what we send.
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Hub88-Signature": rsa_sign(self.aggregator.private_key_pem, body),
        }
        url = self.aggregator.api_base_url.rstrip("/") + path
        response = send(
            "POST", url, body=body, headers=headers, policy=self.policy, session=self.session, sleep=self.sleep
        )
        if response.status_code != 200:
            raise Hub88Error(
                f"POST {path} answered {response.status_code}: {_error_text(response)}", status=response.status_code
            )
        try:
            return response.json()
        except ValueError:
            raise Hub88Error(f"POST {path}: the answer is not JSON", status=response.status_code) from None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _error_text(response: requests.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    return str(error) if error else response.text[:200]


# --- Catalog --------------------------------------------------------------------------------


def parse_catalog(items: list) -> list[CatalogEntry]:
    """Every entry or none (as for the native catalog): a malformed entry fails the list, so a
    bad answer can never disable the games it failed to describe."""
    entries, problems = [], []
    for index, item in enumerate(items):
        try:
            entries.append(parse_entry(item))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"entry {index}: {exc.__class__.__name__}: {exc}")
    codes = [e.code for e in entries]
    if len(set(codes)) != len(codes):
        problems.append("the same game code is listed twice")
    if problems:
        raise CatalogError("malformed Hub88 game list: " + "; ".join(problems[:10]))
    return entries


def external_id(item: dict) -> str:
    """Our stable id for a Hub88 game: its `game_code`.

    Hub88's game_code is unique across all its suppliers, present on every entry, and is what
    wallet calls and /game/url carry. supplier_identifier.game_id (since June 2025) is only
    unique within one supplier and not on every entry. The cost: a game Hub88 renames shows up
    as a new game (the old one is disabled, never deleted). Change it here if that bites.
    """
    return _text(item["game_code"], "game_code", 128)


def parse_entry(item: dict) -> CatalogEntry:
    if not isinstance(item, dict):
        raise TypeError("a game must be an object")
    product = _text(item.get("product") or "unknown", "product", 128)
    return CatalogEntry(
        external_id=external_id(item),
        code=_text(item["game_code"], "game_code", 128),
        name=_text(item["name"], "name", 200),
        provider_code=(slugify(str(item.get("product_code") or product)) or "unknown")[:64],
        provider_name=product,
        category=str(item.get("category") or "")[:64],
        rtp=_rtp(item.get("rtp")),
        demo_supported=item.get("demo_game_support") is True,
        enabled=item.get("enabled", True) is not False,
        # Hub88 lists jurisdictions (e.g. CURACAO), not per-country build certifications: none
        # can be derived; they stay in `raw`.
        certifications=(),
        raw=item,
    )


def _rtp(value) -> Decimal | None:
    """Hub88 sends RTP as a percentage string; informational, so an unreadable one is None."""
    if value in (None, ""):
        return None
    try:
        rtp = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        return None
    if not rtp.is_finite() or not (0 <= rtp <= 100):
        return None
    return rtp.quantize(Decimal("0.01"))


def _text(value, name: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    value = value.strip()
    if len(value) > max_length:
        raise ValueError(f"{name} is longer than {max_length} characters")
    return value

"""The wallet protocol on the wire: building, signing and sending requests, parsing answers.

The player (player.py) thinks in protocol-neutral terms: a session, a MoneyOp (bet, win,
rollback), an Answer. A wire class translates those to one protocol. NativeWire speaks our
native protocol v1; a Hub88Wire can sit beside it with the same three methods
(`balance`, `money`, and the `name` attribute) and be picked by `wire_for(protocol, ...)`.
"""

import json
import time
from dataclasses import dataclass

import requests

from casino.signing import native_signature

NO_ANSWER = "NO_ANSWER"  # the request failed on the network: its outcome is unknown


@dataclass(frozen=True)
class GameSessionRef:
    """What the aggregator knows of a session: from the launch URL the operator gave it."""

    player_id: str
    session_token: str
    currency: str
    game_code: str
    mode: str = "real"


@dataclass(frozen=True)
class MoneyOp:
    kind: str  # "bet" | "win" | "rollback"
    transaction_id: str
    round_id: str
    game_code: str
    amount: int | None
    spin_type: str = "cash"
    round_closed: bool = False
    reference_id: str = ""  # rollback: the transaction it cancels
    free_spins_id: str = ""  # a bet or win of granted free spins: the grant's id


@dataclass(frozen=True)
class Answer:
    http_status: int | None  # None: no HTTP answer at all
    code: str  # "OK", the protocol's error code, or NO_ANSWER
    balance: int | None
    body: dict | None
    latency: float  # seconds
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.code == "OK"

    @property
    def temporary(self) -> bool:
        """Worth sending again with the same transaction id."""
        return self.http_status is None or self.http_status in (429, 502, 503, 504) or self.code == "RETRY"

    def same_as(self, other: "Answer") -> bool:
        return self.http_status == other.http_status and self.body == other.body

    def brief(self) -> dict:
        return {"status": self.http_status, "body": self.body, "ms": round(self.latency * 1000, 1)}


class NativeWire:
    """Native wallet protocol v1: JSON bodies signed with HMAC-SHA256 over "{timestamp}.{body}"."""

    name = "native"

    def __init__(self, base_url: str, *, key_id: str, secret: str, timeout: float = 10.0, http=None):
        self.base_url = base_url.rstrip("/")
        self.key_id = key_id
        self.secret = secret
        self.timeout = timeout
        self.http = http or requests.Session()

    def balance(self, session: GameSessionRef) -> Answer:
        return self._post("balance", self._session_fields(session))

    def money(self, session: GameSessionRef, op: MoneyOp, *, resend: bool = False) -> Answer:
        """Send one money call. A resend serialises the same content differently (key order,
        spacing): "same content" is about the fields, never the bytes."""
        return self._post(op.kind, self.money_payload(session, op), resend=resend)

    def money_payload(self, session: GameSessionRef, op: MoneyOp) -> dict:
        """The JSON body of a money call (also what the sandbox keeps in its record)."""
        payload = self._session_fields(session)
        if op.kind == "rollback":
            payload.update(rollback_transaction_id=op.reference_id)
            if op.amount is not None:
                payload["amount"] = op.amount
        else:
            payload.update(amount=op.amount, spin_type=op.spin_type)
            if op.free_spins_id:
                payload["free_spins_id"] = op.free_spins_id
        payload.update(
            transaction_id=op.transaction_id, round_id=op.round_id, game_id=op.game_code, round_closed=op.round_closed
        )
        return payload

    # --- internals -------------------------------------------------------------------------

    @staticmethod
    def _session_fields(session: GameSessionRef) -> dict:
        return {"player_id": session.player_id, "session_token": session.session_token, "currency": session.currency}

    def _post(self, endpoint: str, payload: dict, *, resend: bool = False) -> Answer:
        if resend:
            raw = json.dumps(dict(reversed(list(payload.items()))), indent=1).encode()
        else:
            raw = json.dumps(payload, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Aggregator-Key": self.key_id,
            "X-Timestamp": timestamp,
            "X-Signature": native_signature(self.secret, timestamp, raw),
        }
        started = time.perf_counter()
        try:
            response = self.http.post(
                f"{self.base_url}/api/v1/wallet/{endpoint}", data=raw, headers=headers, timeout=self.timeout
            )
        except requests.RequestException:
            return Answer(None, NO_ANSWER, None, None, time.perf_counter() - started)
        latency = time.perf_counter() - started
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return Answer(response.status_code, f"HTTP_{response.status_code}", None, None, latency)
        code = "OK" if body.get("status") == "OK" else str(body.get("code") or f"HTTP_{response.status_code}")
        balance = body.get("balance") if isinstance(body.get("balance"), int) else None
        return Answer(response.status_code, code, balance, body, latency, _retry_after(response))


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def wire_for(protocol: str, base_url: str, *, key_id: str, secret: str, aggregator: str = "sandbox", **kwargs):
    """The wire for `protocol`; `aggregator` is our code for the sandbox (Hub88's URLs carry it)."""
    if protocol == "native":
        return NativeWire(base_url, key_id=key_id, secret=secret, **kwargs)
    if protocol == "hub88":
        from sandbox.hub88 import Hub88Wire  # imports this module

        return Hub88Wire(base_url, aggregator=aggregator, **kwargs)
    raise ValueError(f"no sandbox wire for protocol {protocol!r} yet")

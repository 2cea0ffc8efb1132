"""The sandbox playing Hub88 (docs/hub88.md): the same players, over Hub88's wire format.

- Hub88Wire      wallet calls as Hub88 sends them: POST {back-office}/api/hub88/<code>/user/balance,
                 /transaction/bet|win|rollback, amounts in units x 100000, signed with the
                 sandbox's "Hub88" private key (X-Hub88-Signature, RSA-SHA256); answers read back
                 into the player's protocol-neutral terms (Answer, codes, minor units).
- operator_api   Hub88's Operator API as the sandbox server serves it to the back-office:
                 POST /operator/generic/v2/game/list and /game/url, verified with the operator's
                 public key; the URLs it hands out open /hub88/play on the sandbox.

Keys: sandbox/keys/ (demo keys, published; see the README there). Like the rest of the
sandbox, nothing here imports the back-office's models or services.
"""

import html
import json
import secrets
import time
import uuid
from collections import OrderedDict
from pathlib import Path

import requests

from casino.signing import rsa_sign, rsa_signature_matches
from sandbox.wire import NO_ANSWER, Answer, GameSessionRef, MoneyOp

KEYS = Path(__file__).resolve().parent / "keys"
HUB88_EXPONENT = 5
# The sandbox knows its currencies' decimals as a real aggregator would (not from our tables).
EXPONENTS = {"EUR": 2, "USD": 2, "GBP": 2, "CAD": 2, "JPY": 0, "BTC": 8, "ETH": 18, "USDT": 6}
GAME_LIST = "/operator/generic/v2/game/list"
GAME_URL = "/operator/generic/v2/game/url"
PATHS = {"bet": "transaction/bet", "win": "transaction/win", "rollback": "transaction/rollback"}


def key(name: str) -> str:
    """A demo key from sandbox/keys ("hub88_private", "operator_public", ...)."""
    return (KEYS / f"{name}.pem").read_text()


def to_hub88(amount: int, currency: str) -> int:
    shift = HUB88_EXPONENT - EXPONENTS[currency]
    if shift >= 0:
        return amount * 10**shift
    if amount % 10**-shift:
        raise ValueError(f"{amount} {currency} minor units are finer than Hub88's unit")
    return amount // 10**-shift


def from_hub88(amount, currency: str) -> int | None:
    """Hub88 units to minor units; None when absent or not whole minor units."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        return None
    shift = EXPONENTS[currency] - HUB88_EXPONENT
    if shift >= 0:
        return amount * 10**shift
    return None if amount % 10**-shift else amount // 10**-shift


def neutral_code(status, kind: str) -> str:
    """A Hub88 status in the player's terms (the native protocol's codes)."""
    if status == "RS_OK":
        return "OK"
    if status == "RS_ERROR_NOT_ENOUGH_MONEY":
        return "INSUFFICIENT_FUNDS"
    if status == "RS_ERROR_TOKEN_EXPIRED":
        return "SESSION_EXPIRED"
    if status == "RS_ERROR_UNKNOWN":
        return "RETRY"  # Hub88 retries it (a bet: rolls it back once its attempts are spent)
    if status in ("RS_ERROR_TRANSACTION_DOES_NOT_EXIST", "RS_ERROR_TRANSACTION_ROLLED_BACK"):
        # A bet can only get it because its rollback came first; a win, because its bet is unknown.
        return "TRANSACTION_ROLLED_BACK" if kind == "bet" else "TRANSACTION_NOT_FOUND"
    return str(status).removeprefix("RS_ERROR_") if isinstance(status, str) else "NO_STATUS"


class Hub88Wire:
    """Hub88's Wallet API on the wire, with the same methods as NativeWire."""

    name = "hub88"

    def __init__(
        self,
        base_url: str,
        *,
        aggregator: str,
        private_key_pem: str | None = None,
        operator_public_key_pem: str | None = None,
        timeout: float = 10.0,
        http=None,
    ):
        self.base_url = f"{base_url.rstrip('/')}/api/hub88/{aggregator}"
        self.private_key_pem = private_key_pem or key("hub88_private")
        self.operator_public_key_pem = operator_public_key_pem or key("operator_public")
        self.timeout = timeout
        self.http = http or requests.Session()
        # Hub88 wins name their bet: the wire remembers each round's bet (a player's calls are
        # sequential and a round has one bet in the sandbox's play).
        self.round_bets: OrderedDict[str, str] = OrderedDict()

    def balance(self, session: GameSessionRef) -> Answer:
        payload = {"user": session.player_id, "token": session.session_token, "game_code": session.game_code}
        return self._post("user/balance", payload, session=session, kind="balance")

    def money(self, session: GameSessionRef, op: MoneyOp, *, resend: bool = False) -> Answer:
        """A resend carries the same content with a new request_uuid and other bytes (key order,
        spacing): Hub88's duplicate check is about the fields, never the bytes."""
        return self._post(PATHS[op.kind], self.money_payload(session, op), session=session, kind=op.kind, resend=resend)

    def money_payload(self, session: GameSessionRef, op: MoneyOp) -> dict:
        payload = {
            "user": session.player_id,
            "token": session.session_token,
            "transaction_uuid": op.transaction_id,
            "supplier_transaction_id": f"sup-{op.transaction_id}",
            "round": op.round_id,
            "round_closed": op.round_closed,
            "game_code": op.game_code,
        }
        if op.kind == "rollback":
            payload["reference_transaction_uuid"] = op.reference_id  # Hub88 sends no amount
            return payload
        payload.update(
            currency=session.currency,
            amount=to_hub88(op.amount, session.currency),
            is_free=op.spin_type == "free",
            meta={},
        )
        if op.kind == "bet":
            self.round_bets[op.round_id] = op.transaction_id
            while len(self.round_bets) > 1000:
                self.round_bets.popitem(last=False)
        elif op.round_id in self.round_bets:
            payload["reference_transaction_uuid"] = self.round_bets[op.round_id]
        return payload

    def _post(self, path: str, payload: dict, *, session: GameSessionRef, kind: str, resend: bool = False) -> Answer:
        request_uuid = str(uuid.uuid4())
        payload = {**payload, "request_uuid": request_uuid}
        if resend:
            raw = json.dumps(dict(reversed(list(payload.items()))), indent=1).encode()
        else:
            raw = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-Hub88-Signature": rsa_sign(self.private_key_pem, raw)}
        started = time.perf_counter()
        try:
            response = self.http.post(f"{self.base_url}/{path}", data=raw, headers=headers, timeout=self.timeout)
        except requests.RequestException:
            return Answer(None, NO_ANSWER, None, None, time.perf_counter() - started)
        latency = time.perf_counter() - started
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            return Answer(response.status_code, f"HTTP_{response.status_code}", None, None, latency)
        signature = response.headers.get("X-Hub88-Signature")
        if signature and not rsa_signature_matches(self.operator_public_key_pem, response.content, signature):
            return Answer(200, "BAD_ANSWER_SIGNATURE", None, body, latency)
        # The echo is checked, then left out: a resend's answer must equal the first but its own.
        if body.pop("request_uuid", None) != request_uuid:
            return Answer(200, "REQUEST_UUID_NOT_ECHOED", None, body, latency)
        code = neutral_code(body.get("status"), kind)
        return Answer(200, code, from_hub88(body.get("balance"), session.currency), body, latency)


# --- Hub88's Operator API, served by the sandbox server -------------------------------------


def hub88_game(game: dict) -> dict:
    """A sandbox game in the shape of Hub88's /game/list."""
    return {
        "game_code": game["code"],
        "name": game["name"],
        "product": game["provider"]["name"],
        "category": game.get("category", ""),
        "rtp": game.get("rtp"),
        "enabled": game.get("enabled", True),
        "demo_game_support": bool(game.get("demo")),
        "freebet_support": False,
        "platforms": ["GPL_DESKTOP", "GPL_MOBILE"],
        "blocked_countries": [],
        "certifications": ["SANDBOX"],
        "languages": ["eng"],
        "technology": ["HTML5"],
        "features": [],
        "supplier_identifier": {"game_id": game["id"], "game_code": game["code"], "game_code_mobile": None},
        "url_thumb": "",
        "url_background": "",
    }


def operator_api(state, path: str, raw: bytes, signature: str | None, base_url: str) -> tuple[int, object, dict]:
    """(status, JSON body, headers) for one call of the back-office to Hub88's Operator API."""
    if path not in (GAME_LIST, GAME_URL):
        return 404, {"error": "not found"}, {}
    if path == GAME_LIST:
        fault = state.take_fault()  # the catalog faults of the control API apply here too
        if fault == 429:
            return 429, {"error": "Too Many Requests"}, {"Retry-After": "1"}
        if fault == 500:
            return 500, {"error": "internal error (injected)"}, {}
    if not rsa_signature_matches(state.operator_public_key_pem, raw, signature):
        state.count("catalog_refused" if path == GAME_LIST else "launches_refused")
        return 401, {"error": "invalid or missing x-hub88-signature"}, {}
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return 400, {"error": "the body must be a JSON object"}, {}
    if body.get("operator_id") != state.hub88_operator_id:
        return 404, {"error": "unknown operator_id"}, {}
    if path == GAME_LIST:
        state.count("catalog_served")
        return 200, [hub88_game(g) for g in state.catalog()], {}
    return _game_url(state, body, base_url)


def _game_url(state, body: dict, base_url: str) -> tuple[int, object, dict]:
    game = state.find_game(str(body.get("game_code") or ""))
    if game is None:
        return 404, {"error": "game not found"}, {}
    demo = body.get("currency") == "XXX"
    if not demo and not (body.get("user") and body.get("token") and body.get("currency") in EXPONENTS):
        return 400, {"error": "real play needs user, token and a supported currency"}, {}
    launch_id = secrets.token_urlsafe(12)
    with state.lock:
        state.hub88_launches[launch_id] = {"game": game, "request": body, "at": time.time()}
    return 200, {"url": f"{base_url}/hub88/play?launch={launch_id}"}, {}


def launch_page(state, launch_id: str) -> tuple[int, str]:
    """The game page a Hub88 URL opens: 200 for a URL the sandbox handed out, 403 otherwise."""
    with state.lock:
        launch = state.hub88_launches.get(launch_id)
    if launch is None:
        state.count("launches_refused")
        return 403, "launch refused: not a URL this sandbox issued\n"
    state.count("launches_ok")
    request, name = launch["request"], html.escape(launch["game"]["name"])
    player, currency = html.escape(str(request.get("user", "demo"))), html.escape(str(request.get("currency")))
    return (
        200,
        f"<!doctype html><title>{name}</title><h1>{name}</h1><p>Hub88 mode &middot; {player} &middot; {currency}</p>",
    )

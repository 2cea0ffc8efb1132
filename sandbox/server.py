"""The sandbox aggregator's HTTP server (stdlib only): what a real aggregator exposes to us.

- GET  /catalog/games    native catalog API, signed like our wallet calls (contract item 1)
- GET  /play?...          the game page a launch URL opens: 200, or 403 with the reason (item 2)
- POST /control/catalog   add / rename / remove games (item 4; unsigned, loopback only)
- POST /control/faults    make the next n catalog calls answer 429 or 500 (item 4)
- POST /control/reset     back to the default catalog, no faults, counters at zero
- GET  /control/state     the catalog, pending faults and counters, for tests and demos
- GET  /fx/rates           a rate feed (docs/money.md): every rate valid FX_VALID_SECONDS from now
- POST /free-spins        grant free spins (native, signed like a callback): {"grant_id": ...}
- POST /control/fx        set the feed's rates {"rates": {"USD/EUR": "0.92"}, "valid_seconds": 600}
- GET  /health
- POST /operator/generic/v2/game/list, /game/url   Hub88's Operator API (sandbox/hub88.py)
- GET  /hub88/play?launch=...   the game page a Hub88 game URL opens
- GET  /reports/transactions?from=&to=&cursor=&limit=   its report of what it counts (signed)
- POST /control/reconciliation   seed discrepancies (faults of books.py)
- POST /control/play            play rounds against the operator, with settlement webhooks
- POST /control/statement       a statement file (CSV) of a window
- POST /control/books           what sandbox_play's players counted, into the books

All state lives in one SandboxState in memory, guarded by one lock; a restart starts afresh.
"""

import html
import ipaddress
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from casino.signing import native_signature_matches
from sandbox import hub88
from sandbox.books import Books, BooksError
from sandbox.catalog import default_catalog
from sandbox.launch import DEFAULT_SKEW_SECONDS, check_launch_query
from sandbox.rounds import play_rounds
from sandbox.wire import GameSessionRef

logger = logging.getLogger(__name__)

DEFAULT_KEY_ID = "sandbox-key"
DEFAULT_SECRET = "sandbox-signing-secret"  # noqa: S105 - the demo credentials load_demo registers
MAX_BODY = 1_000_000
# The sandbox's rate feed: plausible round figures, each direction its own rate (as real feeds).
DEFAULT_FX_RATES = {"USD/EUR": "0.9234", "EUR/USD": "1.0829", "GBP/EUR": "1.1712", "EUR/GBP": "0.8538"}
GAME_FIELDS = ("id", "code", "name", "provider", "category", "rtp", "demo", "enabled", "certifications")


class ControlError(ValueError):
    pass


@dataclass
class SandboxState:
    key_id: str = DEFAULT_KEY_ID
    secret: str = DEFAULT_SECRET
    skew_seconds: int = DEFAULT_SKEW_SECONDS
    games: list[dict] = field(default_factory=default_catalog)
    # A renamed code keeps launching its game: sessions opened before the rename still play.
    aliases: dict[str, str] = field(default_factory=dict)  # old code -> game id
    faults: dict[str, int] = field(default_factory=lambda: {"catalog_429": 0, "catalog_500": 0})
    counters: dict[str, int] = field(
        default_factory=lambda: {
            "catalog_calls": 0,
            "catalog_served": 0,
            "catalog_refused": 0,
            "catalog_faults": 0,
            "launches_ok": 0,
            "launches_refused": 0,
        }
    )
    # Hub88 mode: the operator's public key verifies its Operator API calls; launches issued.
    operator_public_key_pem: str = field(default_factory=lambda: hub88.key("operator_public"), repr=False)
    hub88_operator_id: int = 1
    hub88_launches: dict[str, dict] = field(default_factory=dict, repr=False)
    # The rate feed: "BASE/QUOTE" -> one BASE in QUOTE (major units), as text (exact decimals).
    fx_rates: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FX_RATES))
    fx_valid_seconds: int = 600
    # Free spins granted by the back-office (POST /free-spins): grant id -> the grant as asked.
    free_spin_grants: dict[str, dict] = field(default_factory=dict)
    books: Books = field(default_factory=Books, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- the rate feed -------------------------------------------------------------------------

    def fx_feed(self) -> dict:
        with self.lock:
            rates, valid = dict(self.fx_rates), self.fx_valid_seconds
        return {
            "as_of": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "valid_seconds": valid,
            "rates": [
                {"base": pair.split("/")[0], "quote": pair.split("/")[1], "rate": rate} for pair, rate in rates.items()
            ],
        }

    def set_fx(self, *, rates: dict, valid_seconds: int = 600) -> None:
        if not isinstance(rates, dict) or not all(
            isinstance(k, str) and k.count("/") == 1 and isinstance(v, str) for k, v in rates.items()
        ):
            raise ControlError('rates are {"BASE/QUOTE": "decimal text"}')
        if isinstance(valid_seconds, bool) or not isinstance(valid_seconds, int) or valid_seconds <= 0:
            raise ControlError("valid_seconds is a positive integer")
        with self.lock:
            self.fx_rates, self.fx_valid_seconds = dict(rates), valid_seconds

    # --- catalog -----------------------------------------------------------------------------

    def catalog(self) -> list[dict]:
        with self.lock:
            return json.loads(json.dumps(self.games))

    def take_fault(self) -> int | None:
        """The status the next catalog call must answer with, if a fault is pending."""
        with self.lock:
            self.counters["catalog_calls"] += 1
            for name, status in (("catalog_429", 429), ("catalog_500", 500)):
                if self.faults[name] > 0:
                    self.faults[name] -= 1
                    self.counters["catalog_faults"] += 1
                    return status
        return None

    def count(self, name: str) -> None:
        with self.lock:
            self.counters[name] += 1

    def change_catalog(self, *, add=(), rename=None, remove=()) -> None:
        """Apply one control request atomically: validated in full before anything changes."""
        rename = rename or {}
        with self.lock:
            games = json.loads(json.dumps(self.games))
            for game in add:
                _validate_game(game)
                games = [g for g in games if g["id"] != game["id"] and g["code"] != game["code"]]
                games.append({name: game[name] for name in GAME_FIELDS if name in game})
            by_code = {g["code"]: g for g in games}
            aliases = dict(self.aliases)
            for old, new in rename.items():
                if old not in by_code:
                    raise ControlError(f"rename: no game {old!r}")
                if new in by_code and new != old:
                    raise ControlError(f"rename: {new!r} is taken")
                game = by_code.pop(old)
                game["code"] = new
                by_code[new] = game
                aliases[old] = game["id"]
            for code in remove:
                if code not in by_code:
                    raise ControlError(f"remove: no game {code!r}")
                del by_code[code]
            self.games = [g for g in games if g["code"] in by_code]
            self.aliases = {old: gid for old, gid in aliases.items() if old not in by_code}

    def set_faults(self, *, catalog_429: int = 0, catalog_500: int = 0) -> None:
        for value in (catalog_429, catalog_500):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
                raise ControlError("fault counts are integers from 0 to 1000")
        with self.lock:
            self.faults = {"catalog_429": catalog_429, "catalog_500": catalog_500}

    def reset(self) -> None:
        with self.lock:
            self.games = default_catalog()
            self.aliases = {}
            self.faults = {"catalog_429": 0, "catalog_500": 0}
            self.counters = dict.fromkeys(self.counters, 0)
            self.hub88_launches = {}
            self.fx_rates, self.fx_valid_seconds = dict(DEFAULT_FX_RATES), 600
        self.books.reset()

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "games": json.loads(json.dumps(self.games)),
                "aliases": dict(self.aliases),
                "faults": dict(self.faults),
                "counters": dict(self.counters),
                "books": self.books.snapshot(),
            }

    def find_game(self, code: str) -> dict | None:
        with self.lock:
            game_id = self.aliases.get(code)
            for game in self.games:
                if game["code"] == code or game["id"] == game_id:
                    return dict(game)
        return None


def _window(start, end) -> tuple[float, float]:
    """An ISO 8601 window (with a zone) as Unix seconds."""
    moments = []
    for name, value in (("from", start), ("to", end)):
        if not isinstance(value, str):
            raise ControlError(f"{name} is required (ISO 8601)")
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ControlError(f"{name} needs a time zone")
        moments.append(moment.timestamp())
    return moments[0], moments[1]


def _validate_game(game) -> None:
    if not isinstance(game, dict):
        raise ControlError("add: each game is an object")
    for name in ("id", "code", "name", "provider"):
        if not game.get(name):
            raise ControlError(f"add: {name!r} is required")
    provider = game["provider"]
    if not (isinstance(provider, dict) and provider.get("code") and provider.get("name")):
        raise ControlError("add: provider needs a code and a name")


# --- HTTP -----------------------------------------------------------------------------------


class SandboxHandler(BaseHTTPRequestHandler):
    server_version = "SandboxAggregator/1.0"
    protocol_version = "HTTP/1.1"
    state: SandboxState  # set on the subclass made by make_server

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        logger.info("%s %s", self.address_string(), format % args)

    # Routing ------------------------------------------------------------------------------

    def do_GET(self):  # noqa: N802 - the stdlib's naming
        url = urlsplit(self.path)
        if url.path == "/catalog/games":
            self.catalog_games()
        elif url.path == "/play":
            self.play(url.query)
        elif url.path == "/hub88/play":
            status, page = hub88.launch_page(self.state, dict(parse_qsl(url.query)).get("launch", ""))
            self.send_text(status, page, content_type="text/html; charset=utf-8")
        elif url.path == "/reports/transactions":
            self.report(url.query)
        elif url.path == "/control/state" and self.from_loopback():
            self.send_json(200, self.state.snapshot())
        elif url.path == "/fx/rates":
            self.send_json(200, self.state.fx_feed())
        elif url.path == "/health":
            self.send_json(200, {"status": "ok"})
        else:
            self.send_json(404, {"error": "not found"})

    def do_POST(self):  # noqa: N802
        path = urlsplit(self.path).path
        if path.startswith("/operator/"):
            raw = self.read_body()
            status, body, headers = hub88.operator_api(
                self.state, path, raw, self.headers.get("X-Hub88-Signature"), self.base_url()
            )
            self.send_text(status, json.dumps(body), content_type="application/json", headers=headers)
            return
        if path == "/free-spins":
            self.grant_free_spins()
            return
        if not path.startswith("/control/"):
            self.read_body()
            self.send_json(404, {"error": "not found"})
            return
        body = self.read_json()
        if body is None:
            return
        if not self.from_loopback():
            return
        try:
            if path == "/control/catalog":
                self.state.change_catalog(
                    add=body.get("add") or [], rename=body.get("rename") or {}, remove=body.get("remove") or []
                )
            elif path == "/control/faults":
                self.state.set_faults(catalog_429=body.get("catalog_429", 0), catalog_500=body.get("catalog_500", 0))
            elif path == "/control/reset":
                self.state.reset()
            elif path == "/control/fx":
                self.state.set_fx(rates=body.get("rates"), valid_seconds=body.get("valid_seconds", 600))
            elif path == "/control/reconciliation":
                self.state.books.set_faults(body)
            elif path == "/control/play":
                self.send_json(200, self.play_rounds(body))
                return
            elif path == "/control/statement":
                start, end = _window(body.get("from"), body.get("to"))
                self.send_text(200, self.state.books.statement_csv(start, end), content_type="text/csv; charset=utf-8")
                return
            elif path == "/control/books":
                for entry in body.get("entries") or []:
                    self.state.books.record(**entry)
            else:
                self.send_json(404, {"error": "not found"})
                return
        except (ControlError, BooksError, TypeError, AttributeError, KeyError, ValueError) as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(200, self.state.snapshot())

    # Endpoints ----------------------------------------------------------------------------

    def grant_free_spins(self):
        """The native grant call (docs/money.md): signed like our wallet calls, over its body."""
        raw = self.read_body()
        signature_ok = self.headers.get("X-Aggregator-Key") == self.state.key_id and native_signature_matches(
            [self.state.secret], self.headers.get("X-Timestamp", ""), raw, self.headers.get("X-Signature", "")
        )
        if not signature_ok:
            self.send_json(401, {"error": "invalid signature"})
            return
        try:
            body = json.loads(raw)
            grant = {k: body[k] for k in ("reference", "player_id", "game_id", "currency", "spins", "bet_value")}
        except (ValueError, KeyError, TypeError):
            self.send_json(400, {"error": "reference, player_id, game_id, currency, spins and bet_value are required"})
            return
        if not isinstance(grant["spins"], int) or not isinstance(grant["bet_value"], int) or grant["spins"] <= 0:
            self.send_json(400, {"error": "spins and bet_value are positive integers"})
            return
        grant_id = f"fs-{grant['reference']}"
        with self.state.lock:
            self.state.free_spin_grants[grant_id] = grant
        self.send_json(200, {"grant_id": grant_id, "status": "active"})

    def catalog_games(self):
        fault = self.state.take_fault()
        if fault == 429:
            self.send_json(429, {"error": "rate limited"}, headers={"Retry-After": "1"})
            return
        if fault == 500:
            self.send_json(500, {"error": "internal error (injected)"})
            return
        reason = self.catalog_auth_problem()
        if reason:
            self.state.count("catalog_refused")
            self.send_json(401, {"error": reason})
            return
        self.state.count("catalog_served")
        self.send_json(200, {"games": self.state.catalog()})

    def catalog_auth_problem(self) -> str:
        key_id = self.headers.get("X-Aggregator-Key", "")
        timestamp = self.headers.get("X-Timestamp", "")
        signature = self.headers.get("X-Signature", "")
        if not (key_id and timestamp and signature):
            return "X-Aggregator-Key, X-Timestamp and X-Signature are required"
        if key_id != self.state.key_id:
            return "unknown key"
        if not (timestamp.isascii() and timestamp.isdigit()):
            return "X-Timestamp must be whole Unix seconds"
        if abs(time.time() - int(timestamp)) > self.state.skew_seconds:
            return "timestamp outside the allowed window"
        if not native_signature_matches([self.state.secret], timestamp, b"", signature):
            return "signature does not match"
        return ""

    def report(self, query: str):
        """The aggregator's report: what it counts in [from, to), oldest first, a page a call."""
        reason = self.catalog_auth_problem()
        if reason:
            self.send_json(401, {"error": reason})
            return
        params = dict(parse_qsl(query))
        try:
            start, end = _window(params.get("from"), params.get("to"))
            offset = int(params.get("cursor") or 0)
            limit = min(int(params.get("limit") or 1000), 10_000)
        except ValueError as exc:
            self.send_json(400, {"error": str(exc)})
            return
        rows = self.state.books.report(start, end)
        page = rows[offset : offset + limit]
        following = offset + limit if offset + limit < len(rows) else None
        self.send_json(200, {"transactions": page, "next_cursor": str(following) if following else None})

    def play_rounds(self, body: dict) -> dict:
        sessions = [
            GameSessionRef(
                player_id=s["player_id"],
                session_token=s["session_token"],
                currency=s.get("currency", "EUR"),
                game_code=s.get("game_code", "sandbox-game"),
            )
            for s in body["sessions"]
        ]
        if not sessions:
            raise ControlError("sessions: at least one")
        result = play_rounds(
            self.state.books,
            base_url=body["url"],
            key_id=self.state.key_id,
            secret=self.state.secret,
            sessions=sessions,
            rounds=int(body.get("rounds", 1)),
            seed=int(body.get("seed", 1)),
            run_id=str(body.get("run_id", "")),
        )
        return result.as_dict()

    def play(self, query: str):
        check = check_launch_query(
            query, key_id=self.state.key_id, secret=self.state.secret, skew_seconds=self.state.skew_seconds
        )
        game = self.state.find_game(check.params.get("game", "")) if check.ok else None
        if check.ok and game is None:
            check = check.__class__(False, "unknown or removed game", check.params)
        if not check.ok:
            self.state.count("launches_refused")
            self.send_text(403, f"launch refused: {check.reason}\n")
            return
        self.state.count("launches_ok")
        params = check.params
        page = (
            "<!doctype html><title>{name}</title><h1>{name}</h1>"
            "<p>{provider} &middot; {mode} play &middot; player {player} &middot; {currency} &middot; {lang}</p>"
            "<p>session <code>{token}</code></p>"
        ).format(
            name=html.escape(game["name"]),
            provider=html.escape(game["provider"]["name"]),
            mode=html.escape(params["mode"]),
            player=html.escape(params["player_id"]),
            currency=html.escape(params["currency"]),
            lang=html.escape(params["lang"]),
            token=html.escape(params["session_token"]),
        )
        self.send_text(200, page, content_type="text/html; charset=utf-8")

    # Plumbing -----------------------------------------------------------------------------

    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def from_loopback(self) -> bool:
        try:
            loopback = ipaddress.ip_address(self.client_address[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            self.send_json(403, {"error": "the control API answers loopback callers only"})
        return loopback

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def read_json(self) -> dict | None:
        try:
            body = json.loads(self.read_body() or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.send_json(400, {"error": "the body must be a JSON object"})
            return None
        return body

    def send_json(self, status: int, body: dict, *, headers: dict | None = None):
        self.send_text(status, json.dumps(body), content_type="application/json", headers=headers)

    def send_text(self, status: int, text: str, *, content_type: str = "text/plain; charset=utf-8", headers=None):
        raw = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SandboxState):
        handler = type("BoundSandboxHandler", (SandboxHandler,), {"state": state})
        super().__init__(address, handler)
        self.state = state

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def make_server(host: str = "127.0.0.1", port: int = 8100, state: SandboxState | None = None) -> SandboxServer:
    return SandboxServer((host, port), state or SandboxState())


def serve_in_thread(state: SandboxState | None = None, *, host: str = "127.0.0.1", port: int = 0):
    """Start a server on a background thread (tests): returns it; call .shutdown() then .server_close()."""
    server = make_server(host, port, state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return server

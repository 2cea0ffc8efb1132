"""A small aggregator served over real HTTP for the catalog and launch tests.

It speaks the contract of docs/catalog-and-launch.md: `GET /catalog/games` (signed like a
native callback; refused with 401 otherwise) and `GET /play?...` (a launch URL, checked with
games.launch.launch_url_verify). Tests change its list between syncs, queue answers to give
before the catalog (429, 503, ...), and can hold the catalog answer until they release it.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from casino.signing import native_signature
from games.launch import LaunchUrlRejected, launch_url_verify


def game_json(
    number: int,
    *,
    code: str | None = None,
    name: str | None = None,
    countries: tuple[str, ...] = ("MT", "DE"),
    demo: bool = True,
    enabled: bool = True,
    provider: str = "sandbox-studio",
    rtp: str = "96.50",
) -> dict:
    return {
        "id": f"sbx-{number:04d}",
        "code": code or f"sbx_game_{number}",
        "name": name or f"Game {number}",
        "provider": {"code": provider, "name": provider.replace("-", " ").title()},
        "category": "slots",
        "rtp": rtp,
        "demo": demo,
        "enabled": enabled,
        "certifications": [{"country": c, "rtp_profile": rtp, "build_hash": f"b{number:04d}"} for c in countries],
    }


class CatalogServer:
    def __init__(self, *, key_id: str, secret: str, allowed_skew_seconds: int = 30):
        self.key_id = key_id
        self.secret = secret
        self.allowed_skew_seconds = allowed_skew_seconds
        self.games: list[dict] = []
        self.script: deque[tuple[int, dict, str]] = deque()  # answers given before the catalog
        self.requests: list[dict] = []  # headers of every catalog request, in order
        self.hold = threading.Event()
        self.hold.set()  # cleared: catalog answers wait until a test sets it again
        self.catalog_requested = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> CatalogServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.hold.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- What tests change between syncs -------------------------------------------------------

    def rename(self, external_id: str, new_code: str) -> None:
        self._game(external_id)["code"] = new_code

    def remove(self, external_id: str) -> None:
        self.games.remove(self._game(external_id))

    def _game(self, external_id: str) -> dict:
        return next(g for g in self.games if g["id"] == external_id)

    def answer_next(self, status: int, *, headers: dict | None = None, body: str = "") -> None:
        self.script.append((status, headers or {}, body))

    # --- Serving --------------------------------------------------------------------------------

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                if self.path.startswith("/catalog/games"):
                    self._catalog()
                elif self.path.startswith("/play?"):
                    self._play()
                else:
                    self._send(404, {"error": "not found"})

            def _catalog(self):
                server.requests.append(dict(self.headers))
                server.catalog_requested.set()
                if not server.signature_ok(self.headers):
                    return self._send(401, {"error": "invalid signature"})
                if server.script:
                    status, headers, body = server.script.popleft()
                    return self._send(status, body, headers)
                server.hold.wait(timeout=30)
                self._send(200, {"games": server.games})

            def _play(self):
                try:
                    params = launch_url_verify(
                        self.path,
                        secrets=[server.secret],
                        allowed_skew_seconds=server.allowed_skew_seconds,
                        expected_key=server.key_id,
                    )
                except LaunchUrlRejected as exc:
                    return self._send(403, {"error": exc.reason})
                self._send(200, {"session_token": params["session_token"], "game": params["game"]})

            def _send(self, status: int, body, headers: dict | None = None):
                raw = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

        return Handler

    def signature_ok(self, headers) -> bool:
        timestamp = headers.get("X-Timestamp", "")
        if headers.get("X-Aggregator-Key") != self.key_id or not timestamp.isdigit():
            return False
        if abs(time.time() - int(timestamp)) > self.allowed_skew_seconds:
            return False
        expected = native_signature(self.secret, timestamp, b"")
        return hmac.compare_digest(expected, headers.get("X-Signature", ""))

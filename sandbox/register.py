"""A fake national self-exclusion register, served over real HTTP (stdlib only), speaking
Spelpaus's login API (compliance/rg/registers/spelpaus.py has the shape):

    POST /api/blocking-info/{actorId}   authorization: <key>   {"requestId", "subjectId"}
    -> 200 {"isBlocked", "requestId", "responseId"}; 401 wrong key; 400 no requestId

Tests and demos list the excluded subjects, make it answer 500 or answer late, and count the
calls it got (a cached check makes none).

    with FakeRegister(key="k", actor="casino-test", excluded={"alice"}) as register:
        RG_REGISTERS = {"SE": {..., "url": register.url, ...}}
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeRegister:
    def __init__(self, *, key: str, actor: str, excluded: set[str] | None = None):
        self.key = key
        self.actor = actor
        self.excluded = set(excluded or ())
        self.status = 200  # anything else: answered with an empty error body
        self.delay_seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeRegister:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, *, authorization: str, path: str, body: bytes) -> tuple[int, dict]:
        with self._lock:
            self.calls += 1
            status, delay = self.status, self.delay_seconds
        time.sleep(delay)
        if path != f"/api/blocking-info/{self.actor}":
            return 404, {}
        if authorization != self.key:
            return 401, {}
        if status != 200:
            return status, {}
        try:
            request = json.loads(body)
        except ValueError:
            return 400, {}
        if not isinstance(request, dict) or not request.get("requestId"):
            return 400, {}
        return 200, {
            "isBlocked": request.get("subjectId") in self.excluded,
            "requestId": request["requestId"],
            "responseId": uuid.uuid4().hex,
        }

    def _handler(self):
        register = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = min(int(self.headers.get("Content-Length") or 0), 100_000)
                status, body = register.answer(
                    authorization=self.headers.get("authorization", ""), path=self.path, body=self.rfile.read(length)
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (its timeout): nothing to tell it

            def log_message(self, format, *args):
                pass

        return Handler

"""Production's WSGI application (casino/wsgi.py) serves the aggregators' calls through the short
middleware chain and everything else through the full one: each gets what it needs."""

import io
import json
import time

import pytest

from casino.signing import native_signature
from casino.wsgi import application
from tests.conftest import KEY_ID, SECRET


def served(path: str, *, method: str = "GET", body: dict | None = None) -> tuple[int, dict, bytes]:
    """The status, headers and body `application` answers, as gunicorn would call it."""
    raw = json.dumps(body).encode() if body is not None else b""
    timestamp = str(int(time.time()))
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_X_AGGREGATOR_KEY": KEY_ID,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_SIGNATURE": native_signature(SECRET, timestamp, raw),
        "HTTP_X_REQUEST_ID": "req-wsgi-1",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "http",
    }
    started = {}
    chunks = application(environ, lambda status, headers, exc_info=None: started.update(s=status, h=headers))
    content = b"".join(chunks)
    chunks.close()
    return int(started["s"].split()[0]), dict(started["h"]), content


# The WSGI application closes the connection at the end of each request, as it does in production;
# serialized_rollback: the currencies (a data migration) survive the flush between tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_wallet_callback_is_served_by_the_short_chain_with_the_request_id_and_security_headers(session):
    body = {"player_id": session.player.external_id, "session_token": session.token, "currency": "EUR"}
    bet = {**body, "transaction_id": "wsgi-bet-1", "round_id": "wsgi-round-1", "game_id": "g", "amount": 250}

    status, headers, content = served("/api/v1/wallet/bet", method="POST", body=bet)

    assert status == 200 and json.loads(content)["balance"] == 10_000 - 250
    assert headers["X-Request-ID"] == "req-wsgi-1"  # the logs' request id
    assert headers["X-Content-Type-Options"] == "nosniff"  # Django's security middleware
    # None of the admin's middleware ran: no frame options, no CSP, no cookie vary
    assert "X-Frame-Options" not in headers and "Content-Security-Policy" not in headers
    assert "Vary" not in headers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_admin_is_still_served_by_the_full_chain():
    status, headers, _content = served("/admin/login/")

    assert status == 200
    assert headers["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in headers
    assert "csrftoken" in headers.get("Set-Cookie", "") or "Cookie" in headers.get("Vary", "")

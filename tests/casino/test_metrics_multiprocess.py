"""/metrics under gunicorn's workers: whichever worker answers the scrape, it counts what every
worker served (prometheus-client's multiprocess mode, gunicorn.conf.py)."""

import re

import pytest
import requests

from tests.conftest import make_player
from tests.reliability.support import Server

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def answered_ok(text: str) -> float:
    found = re.findall(r'casino_wallet_answers_total\{[^}]*endpoint="balance"[^}]*result="OK"[^}]*\} ([0-9.e+]+)', text)
    return sum(float(value) for value in found)


def test_every_worker_counts_into_the_one_scrape(aggregator, monkeypatch, tmp_path):
    from games.services import session_open

    player = make_player("multi-1")
    session = session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    server = Server(workers=3)
    try:
        body = {"player_id": "multi-1", "session_token": session.token, "currency": "EUR"}
        for _ in range(30):
            assert server.post("balance", body).status_code == 200
        counts = {answered_ok(requests.get(f"{server.url}/metrics", timeout=5).text) for _ in range(6)}
        processes = {path.name.split("_", 1)[1] for path in tmp_path.glob("*.db")}
    finally:
        server.stop()

    assert counts == {30.0}
    assert len(processes) >= 2  # the figures came from more than one worker's file

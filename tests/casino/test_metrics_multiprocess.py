"""/metrics under gunicorn's workers: whichever worker answers the scrape, it counts what every
worker served (prometheus-client's multiprocess mode, gunicorn.conf.py)."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import make_player
from tests.reliability.support import Server

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def answered_ok(text: str) -> float:
    found = re.findall(r'casino_wallet_answers_total\{[^}]*endpoint="balance"[^}]*result="OK"[^}]*\} ([0-9.e+]+)', text)
    return sum(float(value) for value in found)


def counting_processes(folder) -> set[str]:
    """The processes that counted wallet answers: files are named <type>_<host>-<pid>.db."""
    return {path.name.split("_", 1)[1] for path in folder.glob("counter_*.db")}


def test_every_worker_counts_into_the_one_scrape(aggregator, monkeypatch, tmp_path):
    from games.services import session_open

    player = make_player("multi-1")
    session = session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    server = Server(workers=3)
    sent = 0
    try:
        body = {"player_id": "multi-1", "session_token": session.token, "currency": "EUR"}
        # Calls in parallel until at least two workers have counted some (each has its own file).
        with ThreadPoolExecutor(max_workers=6) as pool:
            while len(counting_processes(tmp_path)) < 2 and sent < 600:
                answers = list(pool.map(lambda _: server.post("balance", body).status_code, range(30)))
                assert answers == [200] * 30
                sent += 30
        counts = {answered_ok(requests.get(f"{server.url}/metrics", timeout=5).text) for _ in range(6)}
        processes = counting_processes(tmp_path)
    finally:
        server.stop()

    assert len(processes) >= 2  # the figures below come from more than one worker's file
    assert counts == {float(sent)}  # whichever worker answered the scrape

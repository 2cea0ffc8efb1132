"""What the reliability tests share: ledger checks, and a real gunicorn server on the test
database for the faults that need one (a worker killed, PostgreSQL restarted)."""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from django.core.management import call_command
from django.db import connection

from casino.signing import native_signature
from tests.conftest import KEY_ID, SECRET, database_url

ROOT = Path(__file__).resolve().parents[2]


def assert_ledger_healthy() -> None:
    out = io.StringIO()
    call_command("check_ledger", stdout=out)  # raises CommandError listing any violation
    assert "ledger OK" in out.getvalue()


def assert_nothing_applied_twice() -> None:
    """No aggregator transaction id moved money twice, and no bet was refunded twice."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT aggregator_id, reference, COUNT(*) FROM wallet_ledgertransaction"
            " WHERE aggregator_id IS NOT NULL GROUP BY aggregator_id, reference HAVING COUNT(*) > 1"
        )
        twice = cursor.fetchall()
        cursor.execute(
            "SELECT aggregator_id, reference_id, COUNT(*) FROM wallet_aggregatortransaction"
            " WHERE kind = 'rollback' AND outcome = 'applied'"
            " GROUP BY aggregator_id, reference_id HAVING COUNT(*) > 1"
        )
        refunded_twice = cursor.fetchall()
    assert not twice, f"applied twice: {twice}"
    assert not refunded_twice, f"refunded twice: {refunded_twice}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving this project on 127.0.0.1, on the database the tests use."""

    def __init__(self, *, workers: int = 1, lock_timeout_ms: int = 2000):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The test database, not DATABASE_URL's.
        test_database = database_url(connection.settings_dict["NAME"])
        env = {
            **os.environ,
            "DATABASE_URL": test_database,
            "DB_LOCK_TIMEOUT_MS": str(lock_timeout_ms),
            "LOG_LEVEL": "ERROR",
        }
        gunicorn = Path(sys.executable).parent / "gunicorn"
        command = [str(gunicorn), "casino.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        command += ["--graceful-timeout", "1", "--log-level", "error"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not come up")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(  # noqa: S603
            ["/usr/bin/pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in out.stdout.split()]

    def post(self, endpoint: str, body: dict, *, timeout: float = 10) -> requests.Response:
        raw = json.dumps(body).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Aggregator-Key": KEY_ID,
            "X-Timestamp": timestamp,
            "X-Signature": native_signature(SECRET, timestamp, raw),
        }
        return requests.post(f"{self.url}/api/v1/wallet/{endpoint}", data=raw, headers=headers, timeout=timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@contextmanager
def running_server(**options):
    server = Server(**options)
    try:
        yield server
    finally:
        server.stop()

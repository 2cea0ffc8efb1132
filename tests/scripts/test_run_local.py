"""`make run` prints the admin's address only once the web server answers (scripts/run_local.py)."""

import importlib.util
import socket
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def run_local():
    sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location("run_local", SCRIPTS / "run_local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def slow_server(port: int, delay: float) -> subprocess.Popen:
    """A web server that starts listening only after `delay` seconds, as a busy machine's does."""
    code = (
        f"import time, http.server; time.sleep({delay}); "
        f"http.server.HTTPServer(('127.0.0.1', {port}), http.server.SimpleHTTPRequestHandler).serve_forever()"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=SCRIPTS)  # noqa: S603


def test_the_address_waits_for_a_server_that_answers_late():
    port = free_port()
    server = slow_server(port, delay=3)
    started = time.monotonic()
    try:
        assert run_local().answers(f"http://127.0.0.1:{port}/", server) is True
    finally:
        server.kill()
        server.wait()

    assert time.monotonic() - started >= 3


def test_nothing_is_announced_when_the_processes_end_before_answering():
    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    ended.wait()

    assert run_local().answers(f"http://127.0.0.1:{free_port()}/", ended) is False

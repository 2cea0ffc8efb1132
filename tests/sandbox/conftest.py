"""The sandbox aggregator served over real HTTP on 127.0.0.1 (a free port) for each test."""

import pytest

from sandbox.server import SandboxState, serve_in_thread


@pytest.fixture
def sandbox():
    server = serve_in_thread(SandboxState())
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()

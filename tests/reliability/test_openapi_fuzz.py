"""schemathesis against our own OpenAPI schema (/api/schema/), through the WSGI app.

Signed: every native wallet operation, with valid and invalid generated bodies, signed as an
aggregator signs them (over the exact bytes sent) and aimed at a real funded session, so the
money path itself is fuzzed. Unsigned: every operation of the schema, as generated. In both:
no 5xx, and every response (status, content type, headers, body) is what the schema says.

RELIABILITY_FUZZ_EXAMPLES sets the examples per operation (default 15; `make reliability`
runs more).
"""

import json
import os
import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NotSet

from casino.signing import native_signature
from casino.wsgi import application
from games.services import session_open
from tests.conftest import KEY_ID, SECRET, make_player

EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # schemathesis calls the WSGI app directly, which closes "old" connections at each request's
    # start and end, the test's own (inside its transaction) included. Django's test client
    # switches that off the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db):
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def live_session(aggregator):
    player = make_player("fuzz-1", deposit=10**9)
    return session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR", ttl_seconds=3600)


def fuzz(operation, test) -> None:
    """Run `test(case, mode)` on valid and invalid cases generated for `operation`.

    Plain hypothesis over schemathesis' strategies: its pytest plugin (lazy schemas) does not
    run under pytest 9 yet.
    """
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    if "{" in operation.path:
        # An invalid path parameter makes a URL that does not exist; its 404 is HTTP's answer,
        # not the operation's. Path parameters are fuzzed with valid values only.
        modes.remove(GenerationMode.NEGATIVE)
    for mode in modes:
        _hypothesis_test(test, mode, operation.as_strategy(generation_mode=mode))()


def _hypothesis_test(test, mode, cases):
    @FUZZ_SETTINGS
    @given(case=cases)
    def run(case):
        test(case, mode)

    return run


@pytest.mark.parametrize("endpoint", ["balance", "bet", "win", "rollback"])
def test_signed_wallet_calls_never_fail_and_always_answer_as_documented(api_schema, live_session, endpoint):
    def signed_call(case, mode):
        body = case.body
        if isinstance(body, dict) and not str(body.get("transaction_id", "")).endswith("0"):
            # Aim most generated calls at a real session, so they reach the money path; the
            # rest keep their generated (unknown) player and session.
            body = {**body, "player_id": live_session.player.external_id, "session_token": live_session.token}
        if isinstance(body, NotSet):
            raw = b""
        elif isinstance(body, bytes):
            raw = body
        else:
            raw = json.dumps(body).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Aggregator-Key": KEY_ID,
            "X-Timestamp": timestamp,
            "X-Signature": native_signature(SECRET, timestamp, raw),
        }

        response = case.call(data=raw, headers=headers)

        case.validate_response(response, checks=CHECKS)
        if mode == GenerationMode.POSITIVE:
            assert response.status_code != 401, response.text  # signed, with every header

    fuzz(api_schema[f"/api/v1/wallet/{endpoint}"]["POST"], signed_call)


def test_unsigned_calls_to_any_operation_never_fail_and_answer_as_documented(api_schema, aggregator):
    def unsigned_call(case, mode):
        response = case.call()

        case.validate_response(response, checks=CHECKS)
        if case.path.startswith("/api/v1/wallet/"):
            assert response.status_code == 401, response.text

    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            fuzz(operation, unsigned_call)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all findings, reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_signed_settlement_batches_never_fail_and_always_answer_as_documented(api_schema, live_session):
    def signed_batch(case, mode):
        body = case.body
        raw = b"" if isinstance(body, NotSet) else body if isinstance(body, bytes) else json.dumps(body).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Aggregator-Key": KEY_ID,
            "X-Timestamp": timestamp,
            "X-Signature": native_signature(SECRET, timestamp, raw),
        }

        response = case.call(data=raw, headers=headers)

        case.validate_response(response, checks=CHECKS)
        if mode == GenerationMode.POSITIVE:
            assert response.status_code != 401, response.text  # signed, with every header

    fuzz(api_schema["/api/v1/settlement/events"]["POST"], signed_batch)

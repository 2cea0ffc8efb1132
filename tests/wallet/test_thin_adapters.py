"""The protocol adapters (wallet/api/) stay thin: no ORM of their own (selectors read,
services write), no module past 500 lines, and a rate limit says when to resend."""

import ast
from pathlib import Path

import wallet.api
from wallet.api.native import error_response
from wallet.errors import RateLimited

API = Path(wallet.api.__file__).parent


def test_no_protocol_adapter_queries_a_model_itself():
    given = sorted(API.rglob("*.py"))
    assert len(given) > 5  # the package and its modules are where this test looks

    queries = [
        f"{path.relative_to(API)}:{node.lineno}"
        for path in given
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager", "raw")
    ]

    assert queries == []


def test_no_protocol_adapter_module_passes_500_lines():
    long_modules = [p.name for p in API.rglob("*.py") if len(p.read_text().splitlines()) > 500]

    assert long_modules == []


def test_a_rate_limited_native_answer_says_when_to_resend():
    response = error_response(RateLimited("more than 2 requests this minute", retry_after=7))

    assert response.status_code == 429
    assert response["Retry-After"] == "7"

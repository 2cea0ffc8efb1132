"""Every door refuses a request without the right credential, and such a request leaves no trace.

Each endpoint of the native and Hub88 wallet protocols and of the front-end API is tried with
the credential missing, made with another key, and off by its last character only (changed,
cut short, one appended): a check that compared a prefix, or skipped one endpoint, fails here.
The endpoints and the forgeries are listed in tests/security/doors.py.
"""

import json
import time

import pytest
from django.apps import apps

from casino.models import Aggregator
from tests.security.doors import (
    ANOTHER_SECRET,
    ENDPOINTS,
    NATIVE,
    forged_headers,
    forgeries,
    native_fields,
    native_sign,
)
from wallet.models import Wallet

CASES = [
    pytest.param(endpoint, forgery, id=f"{endpoint.name}, {forgery}")
    for endpoint in ENDPOINTS
    for forgery in forgeries(endpoint.scheme)
]


def traces() -> dict:
    """What a request could leave behind: rows in any table, balances, recorded clock skews."""
    return {
        "rows": {model._meta.label: model._default_manager.count() for model in apps.get_models()},
        "balances": dict(Wallet.objects.values_list("pk", "balance")),
        "skews": {
            pk: (skew, at)
            for pk, skew, at in Aggregator.objects.values_list("pk", "last_skew_seconds", "skew_observed_at")
        },
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_the_genuine_request_is_accepted_so_only_the_credential_makes_a_forgery_fail(world, endpoint):
    raw = endpoint.raw(world)
    before = traces()

    response = endpoint.send(world, raw, endpoint.scheme.sign(raw))

    endpoint.scheme.assert_accepted(response)
    if endpoint.writes:
        assert traces()["rows"] != before["rows"]  # a forgery that got through would show


@pytest.mark.parametrize(("endpoint", "forgery"), CASES)
def test_a_request_without_the_right_credential_is_refused_and_leaves_no_trace(world, endpoint, forgery):
    raw = endpoint.raw(world)
    before = traces()

    response = endpoint.send(world, raw, forged_headers(endpoint.scheme, forgery, raw))

    endpoint.scheme.assert_refused(response)
    assert traces() == before


def recorded_skew(aggregator: Aggregator) -> tuple:
    aggregator.refresh_from_db()
    return aggregator.last_skew_seconds, aggregator.skew_observed_at


def test_only_a_signed_native_request_moves_the_recorded_clock_skew(world, aggregator):
    raw = json.dumps(native_fields(world)).encode()
    twenty_seconds_ago = int(time.time()) - 20  # inside the 30 s window, far from a 0 s skew

    def balance_call(headers):
        return world.client.post("/api/v1/wallet/balance", raw, content_type="application/json", headers=headers)

    forged = balance_call(native_sign(raw, secret=ANOTHER_SECRET, timestamp=twenty_seconds_ago))

    NATIVE.assert_refused(forged)
    assert recorded_skew(aggregator) == (None, None)

    genuine = balance_call(native_sign(raw, timestamp=twenty_seconds_ago))

    NATIVE.assert_accepted(genuine)
    assert 19 <= recorded_skew(aggregator)[0] <= 22

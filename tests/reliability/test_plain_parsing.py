"""The native API's fast path for well-formed requests (wallet/api/native.py, plainly_valid)
must never accept what the DRF serializer refuses, nor read anything differently: for any
payload it accepts, the serializer is valid and gives the very same data."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet.api.native import (
    NativeBalanceRequest,
    NativeBetRequest,
    NativeRollbackRequest,
    NativeWinRequest,
    plainly_valid,
)

SERIALIZERS = [NativeBalanceRequest, NativeBetRequest, NativeWinRequest, NativeRollbackRequest]
KEYS = [
    "player_id",
    "session_token",
    "currency",
    "transaction_id",
    "round_id",
    "game_id",
    "amount",
    "round_closed",
    "spin_type",
    "rollback_transaction_id",
    "unknown",
]
texts = st.one_of(
    st.sampled_from(["p-1", "tok", "EUR", "cash", "free", "promo", "tournament", "", " ", " x", "x ", "a\x00b"]),
    # Ids are used exactly as sent: padding, control, format and lone surrogate characters are refused.
    st.sampled_from(["ws-X\n", "\tws-X", "a\x07b", "a\x7fb", "x\u200b", "a\u3000", "\u00a0x", "a\ud800", "yes", "1"]),
    st.text(max_size=140),
    st.text(alphabet="ab", min_size=60, max_size=140),
)
values = st.one_of(
    texts,
    st.integers(min_value=-2, max_value=10**16),
    st.sampled_from([0, 1, 10**15, 10**15 + 1]),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, max_value=1e6),
    st.lists(st.integers(), max_size=2),
)
payloads = st.dictionaries(st.sampled_from(KEYS), values)
well_formed = st.fixed_dictionaries(
    {
        "player_id": st.just("p-1"),
        "session_token": st.just("tok"),
        "currency": st.just("EUR"),
        "transaction_id": st.text(min_size=1, max_size=10).filter(lambda t: t == t.strip()),
        "round_id": st.just("r-1"),
        "game_id": st.just("g"),
        "amount": st.integers(min_value=0, max_value=10**15),
        "rollback_transaction_id": st.just("b-1"),
    },
    optional={"round_closed": values, "spin_type": values},
)


@pytest.mark.parametrize("serializer", SERIALIZERS, ids=lambda s: s.__name__)
@settings(max_examples=400, deadline=None)
@given(payload=st.one_of(payloads, well_formed))
def test_the_fast_path_reads_a_payload_exactly_as_the_serializer_or_not_at_all(serializer, payload):
    fast = plainly_valid(serializer, payload)

    if fast is not None:
        checked = serializer(data=payload)
        assert checked.is_valid(), (payload, checked.errors)
        assert fast == dict(checked.validated_data)


@pytest.mark.parametrize("serializer", SERIALIZERS, ids=lambda s: s.__name__)
def test_a_plainly_well_formed_request_takes_the_fast_path(serializer):
    payload = {
        "player_id": "p-1",
        "session_token": "tok",
        "currency": "EUR",
        "transaction_id": "t-1",
        "round_id": "r-1",
        "game_id": "g",
        "amount": 250,
        "rollback_transaction_id": "b-1",
    }
    checked = serializer(data=payload)

    assert checked.is_valid(), checked.errors
    assert plainly_valid(serializer, payload) == dict(checked.validated_data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("transaction_id", " ws-X "),
        ("transaction_id", "ws-X\n"),
        ("transaction_id", "ws\x1fX"),
        ("transaction_id", 12345),
        ("round_id", "r\u200b"),
        ("game_id", "g\ud800"),
        ("round_closed", "yes"),
        ("round_closed", 1),
    ],
)
def test_what_the_serializer_refuses_never_takes_the_fast_path(field, value):
    payload = {
        "player_id": "p-1",
        "session_token": "tok",
        "currency": "EUR",
        "transaction_id": "t-1",
        "round_id": "r-1",
        "game_id": "g",
        "amount": 250,
        field: value,
    }

    assert not NativeBetRequest(data=payload).is_valid()
    assert plainly_valid(NativeBetRequest, payload) is None

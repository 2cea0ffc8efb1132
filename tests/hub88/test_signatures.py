"""The published Hub88 vectors (signatures.csv): reproduced exactly and verified."""

import pytest

from casino.signing import rsa_sign, rsa_signature_matches
from tests.hub88.conftest import PRIVATE_PEM, PUBLIC_PEM, VECTORS


def _vectors() -> list[tuple[str, str]]:
    lines = (VECTORS / "signatures.csv").read_text().splitlines()
    assert lines[0] == "data;signature"
    # Split on the last ';': base64 never contains one, the data may.
    return [tuple(line.rsplit(";", 1)) for line in lines[1:] if line]


def test_there_are_five_vectors():
    assert len(_vectors()) == 5


@pytest.mark.parametrize(("data", "signature"), _vectors())
def test_our_signature_reproduces_the_vector_byte_for_byte(data, signature):
    assert rsa_sign(PRIVATE_PEM, data.encode()) == signature


@pytest.mark.parametrize(("data", "signature"), _vectors())
def test_the_vector_verifies_with_the_public_key(data, signature):
    assert rsa_signature_matches(PUBLIC_PEM, data.encode(), signature)


@pytest.mark.parametrize(("data", "signature"), _vectors())
def test_a_changed_body_does_not_verify(data, signature):
    assert not rsa_signature_matches(PUBLIC_PEM, data.encode() + b" ", signature)


@pytest.mark.parametrize("signature", ["", None, "not base64!", "QUJD"])
def test_a_missing_or_malformed_signature_does_not_verify(signature):
    assert not rsa_signature_matches(PUBLIC_PEM, b"test", signature)


def test_no_public_key_configured_verifies_nothing():
    data, signature = _vectors()[0]
    assert not rsa_signature_matches("", data.encode(), signature)

"""create_aggregator --protocol hub88 with key files."""

import io

import pytest
from django.core.management import CommandError, call_command

from casino.models import Aggregator
from casino.signing import rsa_sign, rsa_signature_matches
from tests.hub88.conftest import PRIVATE_PEM, PUBLIC_PEM, VECTORS


def test_it_configures_a_hub88_aggregator_from_key_files(db):
    out = io.StringIO()

    call_command(
        "create_aggregator",
        "hub88-staging",
        "--protocol",
        "hub88",
        "--public-key-file",
        str(VECTORS / "public.pem"),
        "--private-key-file",
        str(VECTORS / "private.pem"),
        "--operator-id",
        "42",
        "--api-base-url",
        "https://api.server1.ih.testenv.io",
        stdout=out,
    )

    aggregator = Aggregator.objects.get(code="hub88-staging")
    assert aggregator.protocol == Aggregator.Protocol.HUB88
    assert aggregator.public_key_pem == PUBLIC_PEM
    assert aggregator.private_key_pem == PRIVATE_PEM
    assert aggregator.operator_id == 42
    assert aggregator.api_base_url == "https://api.server1.ih.testenv.io"
    assert PRIVATE_PEM not in out.getvalue()  # the key is never printed
    assert rsa_signature_matches(aggregator.public_key_pem, b"test", rsa_sign(aggregator.private_key_pem, b"test"))


def test_the_private_key_is_not_kept_in_history(db):
    call_command(
        "create_aggregator",
        "hub88-h",
        "--protocol",
        "hub88",
        "--public-key-file",
        str(VECTORS / "public.pem"),
        "--private-key-file",
        str(VECTORS / "private.pem"),
        stdout=io.StringIO(),
    )

    history = Aggregator.history.model.objects.get(code="hub88-h")
    assert not hasattr(history, "private_key_pem")


def test_it_requires_hub88s_public_key(db):
    with pytest.raises(CommandError, match="--public-key-file"):
        call_command("create_aggregator", "hub88-x", "--protocol", "hub88", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("public", "private", "complaint"),
    [("private.pem", "private.pem", "--public-key-file"), ("public.pem", "public.pem", "--private-key-file")],
)
def test_it_refuses_a_file_that_is_not_the_right_kind_of_key(db, public, private, complaint):
    with pytest.raises(CommandError, match=complaint):
        call_command(
            "create_aggregator",
            "hub88-x",
            "--protocol",
            "hub88",
            "--public-key-file",
            str(VECTORS / public),
            "--private-key-file",
            str(VECTORS / private),
            stdout=io.StringIO(),
        )
    assert not Aggregator.objects.filter(code="hub88-x").exists()


def test_it_refuses_an_unreadable_key_file(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command(
            "create_aggregator",
            "hub88-x",
            "--protocol",
            "hub88",
            "--public-key-file",
            str(tmp_path / "missing.pem"),
            stdout=io.StringIO(),
        )

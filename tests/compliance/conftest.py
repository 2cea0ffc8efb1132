"""Responsible-gaming fixtures: the RG provider compliance registers, the sandbox's fake
register over HTTP, and the games fixtures a launch needs."""

from __future__ import annotations

import pytest

from casino import responsible_gaming
from casino.models import Player
from sandbox.register import FakeRegister
from tests.conftest import FRONTEND_KEY, make_player
from tests.games.conftest import catalog_server, sandbox, sleeps, sync, synced  # noqa: F401

AUTH = {"Authorization": f"Bearer {FRONTEND_KEY}"}
REGISTER_KEY = "register-test-key"
ACTOR = "casino-test"


@pytest.fixture
def rg_provider():
    """The provider compliance registers when it is ready (compliance/rg/provider.py): limits,
    exclusions and registers, as launches and bets ask them."""
    provider = responsible_gaming.provider()
    assert provider is not None
    return provider


@pytest.fixture
def alice(db) -> Player:
    return make_player("alice", deposit=10_000)


@pytest.fixture
def register():
    with FakeRegister(key=REGISTER_KEY, actor=ACTOR) as fake:
        yield fake


@pytest.fixture
def swedish_register(settings, register):
    """Players from SE are checked in the fake register (by their player id as subject)."""

    def configure(**options):
        settings.RG_REGISTERS = {
            "SE": {
                "client": "compliance.rg.registers.spelpaus.SpelpausClient",
                "url": register.url,
                "key": REGISTER_KEY,
                "actor": ACTOR,
                "subject": "compliance.rg.registers.base.external_id_subject",
                "timeout": 0.5,
                **options,
            }
        }
        return register

    return configure

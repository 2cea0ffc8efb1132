"""Responsible-gaming fixtures: a stand-in RG provider with the exclusion half only, the
sandbox's fake register over HTTP, and the games fixtures a launch needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from casino import responsible_gaming
from casino.models import Player
from compliance.rg.exclusions import ExclusionSpan, exclusion_refusal_from, exclusions_in_force
from compliance.rg.launch import launch_refusal
from sandbox.register import FakeRegister
from tests.conftest import FRONTEND_KEY, make_player
from tests.games.conftest import catalog_server, sandbox, sleeps, sync, synced  # noqa: F401

AUTH = {"Authorization": f"Bearer {FRONTEND_KEY}"}
REGISTER_KEY = "register-test-key"
ACTOR = "casino-test"


@dataclass(frozen=True)
class ExclusionBetState:
    exclusions: tuple[ExclusionSpan, ...]

    def bet_refusal(self, *, amount: int, at: datetime):
        return exclusion_refusal_from(self.exclusions, at)


class ExclusionsOnlyProvider:
    """The provider protocol (casino/responsible_gaming.py) answered by the exclusion half only:
    what compliance/rg/provider.py delegates to for launch and bet. Registered by tests alone."""

    def play_refusal(self, *, player_id: int, at: datetime):
        return launch_refusal(player_id=player_id, at=at)

    def bet_state(self, *, player_id: int, wallet_id: int, currency: str, at: datetime):
        spans = (ExclusionSpan(e.kind, e.starts_at, e.ends_at) for e in exclusions_in_force(player_id=player_id, at=at))
        return ExclusionBetState(tuple(spans))

    def record_money(self, **_):
        pass

    def deposit_refusal(self, **_):
        return None


@pytest.fixture
def rg_provider():
    before = responsible_gaming.provider()
    provider = ExclusionsOnlyProvider()
    responsible_gaming.register(provider)
    yield provider
    responsible_gaming._provider = before


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

"""What a national self-exclusion register's client is: one per register, chosen by the
player's country in settings.RG_REGISTERS (compliance/rg/registers/__init__.py)."""

from __future__ import annotations

from typing import Protocol

from casino.models import Player


class RegisterUnavailable(Exception):
    """The register gave no usable answer (down, slow, refused us, or answered nonsense): the
    player's status is unconfirmed."""


class RegisterClient(Protocol):
    # The register's name in RegisterCheck rows and RG events, e.g. "spelpaus".
    name: str

    def is_excluded(self, player: Player) -> bool:
        """Whether the register lists the player as excluded; RegisterUnavailable if it cannot say.
        Called with no transaction open: it waits on the network."""
        ...


def external_id_subject(player: Player) -> str:
    """The player's id as the register's subject: for an operator whose player ids are the
    national identity numbers, and for the sandbox. The Player model holds no identity number
    yet (KYC data comes later): a production configuration names its own lookup."""
    return player.external_id

"""What the back-office needs from any aggregator's outbound API, protocol-neutral.

Each protocol has one client module (native.py for the native protocol and the sandbox,
hub88.py for Hub88) implementing AggregatorClient; `client_for(aggregator)` picks it.
Catalog sync, launch and reconciliation only ever talk to this interface.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class Certification:
    country: str  # ISO 3166-1 alpha-2
    rtp_profile: str
    build_hash: str


@dataclass(frozen=True)
class CatalogEntry:
    """One game as the aggregator lists it.

    `external_id` is the aggregator's stable id for the game (it survives renames); `code` is
    the game code wallet calls and launches use, which the aggregator may rename.
    """

    external_id: str
    code: str
    name: str
    provider_code: str
    provider_name: str
    category: str = ""
    rtp: Decimal | None = None
    demo_supported: bool = False
    enabled: bool = True
    certifications: tuple[Certification, ...] = field(default_factory=tuple)
    raw: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class FreeSpinsOrder:
    """Free spins to grant a player (games/free_spins.py): amounts in minor units."""

    reference: str  # ours: the aggregator keeps it with the grant
    player_id: str
    game_code: str
    currency: str
    spins: int
    bet_value: int
    starts_at: datetime
    expires_at: datetime


class AggregatorClient(Protocol):
    def fetch_catalog(self) -> list[CatalogEntry]: ...

    def grant_free_spins(self, order: FreeSpinsOrder) -> str:
        """Grant the spins; return the aggregator's id of the grant (its wallet calls name it)."""
        ...

"""The seam through which the ground floor and the wallet ask responsible gaming (RG) questions
without importing the app that answers them.

The rules live in `compliance`, which sits above `wallet` (docs/architecture.md): the wallet may
not import it. So compliance registers one provider here when it is ready (its AppConfig), and
the lower layers ask through this module:

- `player_may_play(player)` (casino/rules.py), asked by a launch and by every bet, adds the
  provider's `play_refusal`: cool-off, self-exclusion, external registers, session time.
- The wallet's money calls read the player's RG state for the wallet **under the wallet lock**
  (a bet sends `bet_state_query`'s statement in the lock's own round trip and builds the state
  with `bet_state_from`), hand it to the pure rules (`RgBetState.bet_refusal`), and add what
  was applied to the running totals in the call's one write statement (`money_statement`, a
  data-modifying statement the wallet sends as one more CTE), so the totals stay exact without
  summing history and responsible gaming adds no round trip to a bet.
- Staff deposits ask `deposit_refusal`.

Without a registered provider (an installation without the compliance app) nothing is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from casino.errors import ErrorCode, Refusal


class RgReason:
    """Machine-readable reasons an RG refusal carries (native `rg_reason`)."""

    LOSS_LIMIT = "LOSS_LIMIT"
    WAGER_LIMIT = "WAGER_LIMIT"
    DEPOSIT_LIMIT = "DEPOSIT_LIMIT"
    SESSION_TIME = "SESSION_TIME"
    COOL_OFF = "COOL_OFF"
    SELF_EXCLUDED = "SELF_EXCLUDED"
    EXTERNAL_REGISTER = "EXTERNAL_REGISTER"
    ALL = (LOSS_LIMIT, WAGER_LIMIT, DEPOSIT_LIMIT, SESSION_TIME, COOL_OFF, SELF_EXCLUDED, EXTERNAL_REGISTER)


@dataclass(frozen=True)
class RgRefusal(Refusal):
    """An RG refusal: always ErrorCode.RG_BLOCKED, with the reason as a stable token."""

    rg_reason: str = ""

    @classmethod
    def because(cls, rg_reason: str, message: str) -> RgRefusal:
        return cls(code=ErrorCode.RG_BLOCKED, message=message, rg_reason=rg_reason)


class RgBetState(Protocol):
    """What a money call read of the player's RG state under the wallet lock. Pure: deciding
    from it touches no database."""

    def bet_refusal(self, *, amount: int, at: datetime) -> RgRefusal | None:
        """Why a bet of `amount` (minor units of the wallet) may not be placed now, or None."""
        ...


class ResponsibleGaming(Protocol):
    def play_refusal(self, *, player_id: int, at: datetime) -> RgRefusal | None:
        """Why the player may not play at all now (launch and bet), or None."""
        ...

    def bet_state_query(self, *, session_token: str, aggregator_id: int, at: datetime) -> tuple[str, list]:
        """The statement (SQL with %s placeholders, and its parameters) that reads the RG state of
        an aggregator's session's player, for the wallet to send in its lock's round trip: it
        runs once the wallet lock is granted. It returns no rows unless the session is real money
        of a player with RG state, so it costs other players next to nothing."""
        ...

    def bet_state_from(
        self, found: list[tuple], *, currency: str, at: datetime, session_started_at: datetime | None = None
    ) -> RgBetState:
        """The RgBetState of bet_state_query's rows. `session_started_at`: the start of the
        player's playing session (GameSession.play_started_at, casino/playing.py), which the
        session-time limit counts from."""
        ...

    def bet_state(
        self, *, player_id: int, wallet_id: int, currency: str, at: datetime, session_started_at: datetime | None = None
    ) -> RgBetState | None:
        """The same state read on its own (one statement), for a caller that holds the wallet lock
        already. None: no limit applies."""
        ...

    def money_statement(
        self, *, player_id: int, currency: str, kind: str, amount: int, at: datetime
    ) -> tuple[str, list]:
        """A data-modifying statement (SQL with %s placeholders, no RETURNING, and its parameters)
        counting an applied bet, win or rollback (refund) of `amount` in the running totals. The
        wallet sends it as one CTE of the call's write statement, under the wallet lock."""
        ...

    def record_money(
        self, *, state: RgBetState | None, player_id: int, wallet_id: int, kind: str, amount: int, at: datetime
    ) -> None:
        """Count an applied movement (a staff deposit) in the running totals, in the caller's
        transaction (the wallet lock is still held). `state`: what bet_state read, if it was."""
        ...

    def record_refusal(self, *, player_id: int, kind: str, refusal: RgRefusal, detail: dict) -> None:
        """Record an RG refusal of a money call ("bet", "deposit"), in the transaction that
        remembers it (a refused bet's record is kept; a refused deposit writes nothing else)."""
        ...

    def reality_check_seconds(self, *, player_id: int, at: datetime) -> int | None:
        """The player's reality-check interval (the launch answer carries it), or None."""
        ...

    def deposit_refusal(self, *, player_id: int, wallet_id: int, amount: int, at: datetime) -> RgRefusal | None:
        """Why a deposit of `amount` may not be made now, or None."""
        ...


_provider: ResponsibleGaming | None = None


def register(provider: ResponsibleGaming) -> None:
    """Called once by the app that answers RG questions (compliance, in its AppConfig.ready)."""
    global _provider
    _provider = provider


def provider() -> ResponsibleGaming | None:
    return _provider

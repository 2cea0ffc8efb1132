"""A player's limits and their use, as read under the wallet lock, and the pure rules that
refuse a bet or a deposit from them (no database: table-tested in tests/compliance).

Limits are per currency (docs/responsible-gaming.md): a limit set in EUR holds the EUR wallet.
So that another currency cannot bypass a limit while we have no exchange rates, a player with
a loss or wager (or deposit) limit of some period in any currency may not bet (deposit) from a
wallet whose currency has no limit of that kind and period: they are asked to set one first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from casino.responsible_gaming import RgReason, RgRefusal
from compliance.models import RgLimit
from compliance.rg.periods import Period

Kind = RgLimit.Kind

# Which running total a money limit is checked against, and the reason its refusal gives.
TOTAL_OF = {Kind.DEPOSIT: "deposited", Kind.LOSS: "net_loss", Kind.WAGER: "wagered"}
REASON_OF = {Kind.DEPOSIT: RgReason.DEPOSIT_LIMIT, Kind.LOSS: RgReason.LOSS_LIMIT, Kind.WAGER: RgReason.WAGER_LIMIT}
PERIOD_WORD = {Period.DAY: "daily", Period.WEEK: "weekly", Period.MONTH: "monthly"}


@dataclass(frozen=True)
class LimitRow:
    """An RgLimit row as read (currency None for the minutes kinds)."""

    kind: str
    period: str
    currency: str | None
    amount: int | None
    pending_amount: int | None = None
    pending_at: datetime | None = None

    def in_force(self, at: datetime) -> int | None:
        """The value that holds at `at`: a pending loosening holds from its time on, whether or
        not it has been written into `amount` yet. None: no limit."""
        if self.pending_at is not None and self.pending_at <= at:
            return self.pending_amount
        return self.amount


def session_time_refusal(minutes: int | None, play_started_at: datetime | None, at: datetime) -> RgRefusal | None:
    """The session-time rule, for a bet and a launch alike: refused once the player's playing
    session (casino/playing.py), begun at `play_started_at`, has lasted the limit. None: no
    limit, or no playing session."""
    if minutes is None or play_started_at is None:
        return None
    if at >= play_started_at + timedelta(minutes=minutes):
        return RgRefusal.because(RgReason.SESSION_TIME, f"the session-time limit of {minutes} minutes is reached")
    return None


@dataclass(frozen=True)
class Totals:
    wagered: int = 0
    net_loss: int = 0
    deposited: int = 0


@dataclass(frozen=True)
class RgState:
    """What a money call read of the player's RG state for one wallet (currency): every limit
    of the player, this currency's totals of the current periods, the session's start, and
    the exclusion that holds now, if any. Implements casino.responsible_gaming.RgBetState."""

    currency: str
    limits: tuple[LimitRow, ...] = ()
    totals: dict[str, Totals] = field(default_factory=dict)  # by period, current periods only
    session_started_at: datetime | None = None
    exclusion: RgRefusal | None = None

    def bet_refusal(self, *, amount: int, at: datetime) -> RgRefusal | None:
        if self.exclusion is not None:
            return self.exclusion
        refusal = session_time_refusal(self.minutes(Kind.SESSION_TIME, at), self.session_started_at, at)
        if refusal is not None:
            return refusal
        if amount <= 0:  # a free or zero bet stakes nothing: it uses no limit
            return None
        return self._money_refusal((Kind.LOSS, Kind.WAGER), amount=amount, at=at, what="bet")

    def deposit_refusal(self, *, amount: int, at: datetime) -> RgRefusal | None:
        return self._money_refusal((Kind.DEPOSIT,), amount=amount, at=at, what="deposit")

    def minutes(self, kind: str, at: datetime) -> int | None:
        return next((row.in_force(at) for row in self.limits if row.kind == kind), None)

    def _money_refusal(self, kinds: tuple[str, ...], *, amount: int, at: datetime, what: str) -> RgRefusal | None:
        for kind in kinds:
            for period in Period:
                limit = self._limit(kind, period, self.currency, at)
                if limit is None:
                    elsewhere = self._currencies_limited(kind, period, at)
                    if elsewhere:
                        return RgRefusal.because(
                            REASON_OF[kind],
                            f"a {PERIOD_WORD[period]} {kind} limit is set in {', '.join(elsewhere)}:"
                            f" set a limit in {self.currency} first",
                        )
                    continue
                used = getattr(self.totals.get(period, Totals()), TOTAL_OF[kind])
                if used + amount > limit:
                    return RgRefusal.because(
                        REASON_OF[kind],
                        f"{PERIOD_WORD[period]} {kind} limit of {limit} ({self.currency} minor units): {used} used,"
                        f" this {what} of {amount} would pass it",
                    )
        return None

    def _limit(self, kind: str, period: str, currency: str | None, at: datetime) -> int | None:
        row = next((r for r in self.limits if r.kind == kind and r.period == period and r.currency == currency), None)
        return row.in_force(at) if row is not None else None

    def _currencies_limited(self, kind: str, period: str, at: datetime) -> list[str]:
        return sorted(
            r.currency
            for r in self.limits
            if r.kind == kind and r.period == period and r.currency and r.in_force(at) is not None
        )

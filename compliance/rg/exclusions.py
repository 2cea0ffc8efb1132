"""Cool-off and self-exclusion: their terms, the rule (pure) and its reads.

A player in a cool-off or self-exclusion may not play: no launch, and no bet, even on a game
token issued before it started. The rule is one pure function, `exclusion_refusal_from`, so
the launch (which reads here, `exclusion_refusal`) and the bet (whose state, read under the
wallet lock, carries the exclusions in force) answer alike. Writes: exclusion_services.py.

Terms, kept as chosen for regulators' exports, in ISO 8601:
- cool-off: P1D (24 hours) up to P42D (6 weeks), in whole days;
- self-exclusion: P6M, P1Y, P5Y, or "permanent" (no end); "legacy" is the former player
  status "self-excluded", whose term nobody recorded (no end).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.db.models import Q

from casino.responsible_gaming import RgReason, RgRefusal
from compliance.models import RgExclusion

COOL_OFF = RgExclusion.Kind.COOL_OFF
SELF_EXCLUSION = RgExclusion.Kind.SELF_EXCLUSION

COOL_OFF_MIN_DAYS, COOL_OFF_MAX_DAYS = 1, 42
PERMANENT = "permanent"
LEGACY = "legacy"
# Self-exclusion terms a player or staff may choose, in months (None: no end).
SELF_EXCLUSION_TERMS: dict[str, int | None] = {"P6M": 6, "P1Y": 12, "P5Y": 60, PERMANENT: None}


class TermError(ValueError):
    """A term nobody may choose (say which ones may be)."""


def cool_off_term(days: int) -> str:
    if not COOL_OFF_MIN_DAYS <= days <= COOL_OFF_MAX_DAYS:
        raise TermError(f"a cool-off lasts {COOL_OFF_MIN_DAYS} to {COOL_OFF_MAX_DAYS} days, not {days}")
    return f"P{days}D"


def term_end(*, kind: str, term: str, starts_at: datetime) -> datetime | None:
    """When an exclusion of this kind and term, starting at starts_at, ends (None: never)."""
    if kind == COOL_OFF:
        days = term[1:-1] if term.startswith("P") and term.endswith("D") else ""
        if not days.isdigit():
            raise TermError(f"a cool-off's term is P<days>D, not {term!r}")
        cool_off_term(int(days))  # within the allowed range, or TermError
        return starts_at + timedelta(days=int(days))
    if term not in SELF_EXCLUSION_TERMS:
        raise TermError(f"a self-exclusion lasts one of {', '.join(SELF_EXCLUSION_TERMS)}, not {term!r}")
    months = SELF_EXCLUSION_TERMS[term]
    return None if months is None else add_months(starts_at, months)


def add_months(at: datetime, months: int) -> datetime:
    """The same time `months` calendar months later; the 31st becomes the month's last day."""
    month_index = at.month - 1 + months
    year, month = at.year + month_index // 12, month_index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def ends_later(end: datetime | None, than: datetime | None) -> bool:
    """Whether an exclusion ending at `end` outlasts one ending at `than` (None: never ends)."""
    if than is None:
        return False
    return end is None or end > than


# --- The rule ------------------------------------------------------------------------------------


class ExclusionLike(Protocol):
    """What the rule needs of an exclusion: an RgExclusion row, or an ExclusionSpan."""

    kind: str
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True)
class ExclusionSpan:
    """An exclusion as plain data, for a state read elsewhere (the bet's, under the wallet lock)."""

    kind: str
    starts_at: datetime
    ends_at: datetime | None


def in_force(exclusion: ExclusionLike, at: datetime) -> bool:
    return exclusion.starts_at <= at and (exclusion.ends_at is None or at < exclusion.ends_at)


def latest_end(exclusions: Iterable[ExclusionLike]) -> datetime | None:
    ends = [exclusion.ends_at for exclusion in exclusions]
    return None if any(end is None for end in ends) else max(ends)  # type: ignore[type-var]


def exclusion_refusal_from(exclusions: Iterable[ExclusionLike], at: datetime) -> RgRefusal | None:
    """Why the player may not play at `at` given their exclusions, or None. Pure.

    A self-exclusion says more than a cool-off, so it is the reason given when both hold; the
    end named is the last one of that kind (an extension is a further row)."""
    current = [exclusion for exclusion in exclusions if in_force(exclusion, at)]
    for kind, reason, state in (
        (SELF_EXCLUSION, RgReason.SELF_EXCLUDED, "self-excluded"),
        (COOL_OFF, RgReason.COOL_OFF, "in a cool-off"),
    ):
        of_kind = [exclusion for exclusion in current if exclusion.kind == kind]
        if of_kind:
            end = latest_end(of_kind)
            until = "with no end" if end is None else f"until {end.isoformat()}"
            return RgRefusal.because(reason, f"the player is {state} {until}")
    return None


# --- Reads ---------------------------------------------------------------------------------------


def exclusions_in_force(*, player_id: int, at: datetime) -> list[RgExclusion]:
    """The player's exclusions in force at `at`: one indexed read (player, ends_at)."""
    return list(
        RgExclusion.objects.filter(player_id=player_id, starts_at__lte=at).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at)
        )
    )


def exclusion_refusal(player_id: int, at: datetime) -> RgRefusal | None:
    """Why the player may not play at `at` for a cool-off or self-exclusion, or None."""
    return exclusion_refusal_from(exclusions_in_force(player_id=player_id, at=at), at)


def exclusion_current(*, player_id: int, kind: str, at: datetime) -> RgExclusion | None:
    """The player's exclusion of this kind in force at `at` that ends last, or None."""
    rows = [row for row in exclusions_in_force(player_id=player_id, at=at) if row.kind == kind]
    permanent = [row for row in rows if row.ends_at is None]
    if permanent:
        return permanent[0]
    return max(rows, key=lambda row: (row.ends_at, row.pk), default=None)

"""Writes of cool-offs and self-exclusions: start (or extend), bring a cool-off's end forward,
record the ends. Each records its RG event in the same transaction.

Tightening applies at once; the only loosening is a cool-off's end brought forward, and that
never sooner than RG_LOOSEN_DELAY_SECONDS after the player asks (the cooling period: the
decision to play again is not taken in the moment). Nobody shortens or lifts a
self-exclusion, staff included; the database refuses it too (migration 0003's trigger).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from casino.models import Player
from compliance.models import RgEvent, RgExclusion
from compliance.rg.exclusions import (
    COOL_OFF,
    SELF_EXCLUSION,
    ends_later,
    exclusion_current,
    term_end,
)
from compliance.services import rg_event_record

STARTED = {COOL_OFF: RgEvent.Kind.COOL_OFF_STARTED, SELF_EXCLUSION: RgEvent.Kind.SELF_EXCLUSION_STARTED}
EXTENDED = {COOL_OFF: RgEvent.Kind.COOL_OFF_EXTENDED, SELF_EXCLUSION: RgEvent.Kind.SELF_EXCLUSION_EXTENDED}
ENDED = {COOL_OFF: RgEvent.Kind.COOL_OFF_ENDED, SELF_EXCLUSION: RgEvent.Kind.SELF_EXCLUSION_ENDED}


class ExclusionRefused(Exception):
    """The change asked for would loosen RG state, or change nothing: the message says why."""


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _lock_player(player_id: int) -> None:
    # Two requests for the same player (a double click, the player and staff at once) queue
    # here, so each sees the other's exclusion and the events say "started" once.
    Player.objects.select_for_update().filter(pk=player_id).values_list("pk").get()


def exclusion_start_problem(*, player_id: int, kind: str, ends_at: datetime | None, at: datetime) -> str:
    """Why an exclusion of `kind` ending at `ends_at` may not start now ("" if it may): it
    must outlast the one of its kind in force (it extends, it never shortens), and a cool-off
    during a self-exclusion would change nothing. Asked by exclusion_start under the player
    lock, and by the admin's form to show the reason beside the field."""
    if kind == COOL_OFF and exclusion_current(player_id=player_id, kind=SELF_EXCLUSION, at=at) is not None:
        return "the player is self-excluded: a cool-off would change nothing"
    current = exclusion_current(player_id=player_id, kind=kind, at=at)
    if current is not None and not ends_later(ends_at, current.ends_at):
        until = "with no end" if current.ends_at is None else f"until {current.ends_at.isoformat()}"
        return f"the player's {current.get_kind_display()} already runs {until}: a new one must end later"
    return ""


def exclusion_start(
    *, player: Player, kind: str, term: str, staff: AbstractBaseUser | None = None, at: datetime | None = None
) -> RgExclusion:
    """Start a cool-off or self-exclusion of `term` now; with one of the same kind in force, the
    new one must end later (it extends: the earlier row stays as it was). A cool-off during a
    self-exclusion would change nothing and is refused. Locks the player row."""
    at = at or timezone.now()
    ends_at = term_end(kind=kind, term=term, starts_at=at)
    with transaction.atomic():
        _lock_player(player.pk)
        current = exclusion_current(player_id=player.pk, kind=kind, at=at)
        problem = exclusion_start_problem(player_id=player.pk, kind=kind, ends_at=ends_at, at=at)
        if problem:
            raise ExclusionRefused(problem)
        exclusion = RgExclusion.objects.create(
            player=player,
            kind=kind,
            term=term,
            starts_at=at,
            ends_at=ends_at,
            source=RgExclusion.Source.STAFF if staff else RgExclusion.Source.PLAYER,
            staff=staff,
            created_at=at,
        )
        # From now on the player's money calls read their RG state under the wallet lock, so
        # the next bet is refused even on a session opened before (provider.bet_state).
        Player.objects.filter(pk=player.pk).update(has_rg_state=True)
        player.has_rg_state = True
        rg_event_record(
            player=player,
            kind=(EXTENDED if current else STARTED)[kind],
            staff=staff,
            detail={
                "exclusion": exclusion.pk,
                "term": term,
                "starts_at": _iso(at),
                "ends_at": _iso(ends_at),
                "previous_ends_at": _iso(current.ends_at) if current else None,
            },
        )
    return exclusion


def cool_off_shorten(
    *,
    player: Player,
    ends_at: datetime | None = None,
    staff: AbstractBaseUser | None = None,
    at: datetime | None = None,
) -> datetime:
    """Bring the end of the player's cool-off forward to `ends_at` (None: as soon as allowed),
    but never sooner than RG_LOOSEN_DELAY_SECONDS from now; answers the end that now holds.
    Until then the cool-off holds as before. Locks the player row."""
    at = at or timezone.now()
    earliest = at + timedelta(seconds=settings.RG_LOOSEN_DELAY_SECONDS)
    new_end = max(ends_at or at, earliest)
    with transaction.atomic():
        _lock_player(player.pk)
        current = exclusion_current(player_id=player.pk, kind=COOL_OFF, at=at)
        if current is None:
            raise ExclusionRefused("the player is not in a cool-off")
        if current.ends_at is not None and current.ends_at <= new_end:
            raise ExclusionRefused(
                f"the cool-off already ends at {current.ends_at.isoformat()}, no later than it may "
                f"(the earliest is {earliest.isoformat()}: the cooling period)"
            )
        # Every cool-off row in force ends then (an extended cool-off is several rows).
        shortened = RgExclusion.objects.filter(
            player=player, kind=COOL_OFF, starts_at__lte=at, ends_at__gt=new_end
        ).update(ends_at=new_end)
        rg_event_record(
            player=player,
            kind=RgEvent.Kind.COOL_OFF_SHORTENED,
            staff=staff,
            detail={
                "asked_at": _iso(at),
                "asked_ends_at": _iso(ends_at),
                "ends_at": _iso(new_end),
                "previous_ends_at": _iso(current.ends_at),
                "rows": shortened,
            },
        )
    return new_end


def exclusions_end_due(*, at: datetime | None = None) -> int:
    """Record the end of every exclusion whose term is over (once each: the row is claimed by a
    conditional UPDATE, so two runs at once never both record it). An exclusion that another of
    its kind outlasts was extended, not ended: no event. Answers how many ends were recorded."""
    at = at or timezone.now()
    recorded = 0
    with transaction.atomic():
        # skip_locked: a second run at once takes the other rows, never the same one twice.
        due = list(
            RgExclusion.objects.filter(ends_at__lte=at, end_recorded_at__isnull=True)
            .select_for_update(skip_locked=True)
            .order_by("pk")
        )
        RgExclusion.objects.filter(pk__in=[row.pk for row in due]).update(end_recorded_at=at)
        for row in due:
            outlasted = (
                RgExclusion.objects.filter(player_id=row.player_id, kind=row.kind, starts_at__lte=row.ends_at)
                .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=row.ends_at))
                .exists()
            )
            if not outlasted:
                rg_event_record(
                    player=row.player_id,
                    kind=ENDED[row.kind],
                    detail={"exclusion": row.pk, "term": row.term, "ended_at": _iso(row.ends_at)},
                )
                recorded += 1
    return recorded

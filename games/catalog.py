"""Catalog sync: bring our copy of an aggregator's game list up to date, while serving.

    catalog_sync(aggregator_id=...)  ->  CatalogSyncRun

1. Record a CatalogSyncRun (status running), committed at once so the admin sees it.
2. Fetch the whole list through the aggregator's outbound client, OUTSIDE any transaction
   (the HTTP client may wait on Retry-After and back off; nothing is locked meanwhile).
3. Apply it in one short transaction: upsert providers and games by the aggregator's stable
   id, record renamed codes as aliases, disable (never delete) games no longer listed,
   re-enable returning ones, keep the aggregator's certifications in step.
4. On commit, invalidate the cached front-end catalog; record the counts (or the error).

Readers are never blocked: the apply takes row locks on the games it updates only (a launch
reads without locking; its new session's foreign key takes a KEY SHARE lock that does not
conflict with updates of non-key columns), and two syncs of one aggregator serialise on a
transaction-level advisory lock rather than on any table or on the aggregator row (which
wallet callbacks update).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from casino.models import Aggregator
from casino.outbound import OutboundError
from games.clients import client_for
from games.clients.base import AggregatorClient, CatalogEntry
from games.clients.native import CatalogError
from games.models import CatalogSyncRun, Certification, Game, GameCodeAlias, Provider
from games.selectors import catalog_cache_invalidate

logger = logging.getLogger(__name__)

# The second key of the advisory lock: pg_advisory_xact_lock(CATALOG_LOCK_CLASS, aggregator id).
CATALOG_LOCK_CLASS = 7001

GAME_FIELDS = ["code", "name", "provider", "category", "rtp", "demo_supported", "enabled", "disabled_at"]


@dataclass
class SyncCounts:
    listed: int = 0
    added: int = 0
    changed: int = 0
    renamed: int = 0
    disabled: int = 0


def catalog_sync(*, aggregator_id: int, client: AggregatorClient | None = None) -> CatalogSyncRun:
    """Sync one aggregator's catalog and return the recorded run (never raises for the
    aggregator's failures: they are the run's `errors`). Safe to run twice, even at once."""
    aggregator = Aggregator.objects.get(pk=aggregator_id)
    run = CatalogSyncRun.objects.create(aggregator=aggregator)
    try:
        entries = (client or client_for(aggregator)).fetch_catalog()
    except (OutboundError, CatalogError, LookupError) as exc:
        return _finish(run, status=CatalogSyncRun.Status.FAILED, errors=str(exc))
    except Exception as exc:  # noqa: BLE001 - each protocol's client has its own errors; the run records them
        return _finish(run, status=CatalogSyncRun.Status.FAILED, errors=f"{exc.__class__.__name__}: {exc}")
    try:
        counts = catalog_apply(aggregator=aggregator, entries=entries, run_id=run.pk)
    except (CatalogError, DatabaseError) as exc:
        return _finish(run, status=CatalogSyncRun.Status.FAILED, errors=f"{exc.__class__.__name__}: {exc}")
    except Exception as exc:
        # A bug, not the aggregator's doing: the run must not stay "running"; the task logs the trace.
        _finish(run, status=CatalogSyncRun.Status.FAILED, errors=f"{exc.__class__.__name__}: {exc}")
        raise
    return _finish(run, status=CatalogSyncRun.Status.SUCCEEDED, counts=counts)


def _finish(run: CatalogSyncRun, *, status: str, counts: SyncCounts | None = None, errors: str = "") -> CatalogSyncRun:
    run.status = status
    run.finished_at = timezone.now()
    run.errors = errors
    for name, value in vars(counts or SyncCounts()).items():
        setattr(run, name, value)
    run.save()
    log = logger.info if status == CatalogSyncRun.Status.SUCCEEDED else logger.warning
    log(
        "catalog sync %s of %s: %s (listed %s, added %s, changed %s, renamed %s, disabled %s) %s",
        run.pk,
        run.aggregator.code,
        status,
        run.listed,
        run.added,
        run.changed,
        run.renamed,
        run.disabled,
        errors,
    )
    return run


def catalog_apply(*, aggregator: Aggregator, entries: list[CatalogEntry], run_id: int | None = None) -> SyncCounts:
    """Make our catalog of `aggregator` equal `entries` (the aggregator's whole list), in one
    transaction. Idempotent: applying the same list again changes nothing.

    Counts are disjoint: `added` new games; `disabled` games that went from enabled to
    disabled (unlisted, or listed as disabled); `changed` the other known games whose data,
    code (also counted in `renamed`), enabled flag or certifications changed.
    """
    reason = f"catalog sync #{run_id}" if run_id else "catalog sync"
    with transaction.atomic(durable=True):
        _lock_catalog(aggregator)
        games = {g.external_id: g for g in Game.objects.filter(aggregator=aggregator).select_related("provider")}
        if not entries and any(g.enabled for g in games.values()):
            # An empty answer is far more often an aggregator's bug than the end of its business.
            raise CatalogError("the aggregator listed no games; refusing to disable the whole catalog")
        now = timezone.now()
        old = {g.pk: (g.code, g.enabled) for g in games.values()}
        providers = _upsert_providers(aggregator, entries)
        listed = {e.external_id for e in entries}
        claimed_codes = {e.code for e in entries}

        new_games, updated, aliases = [], [], []
        for entry in entries:
            game = games.get(entry.external_id)
            if game is None:
                new_games.append(_new_game(aggregator, entry, providers, now))
            elif _update_game(game, entry, providers, now, aliases):
                updated.append(game)
        for game in games.values():
            if game.external_id not in listed and _retire_game(game, claimed_codes, now, aliases):
                updated.append(game)

        _save_games(updated, new_games, moving=[g for g in updated if g.code != old[g.pk][0]], reason=reason)
        _save_aliases(aliases)
        cert_changed = _sync_certifications(aggregator, entries, reason)

        counts = SyncCounts(listed=len(entries), added=len(new_games))
        new_ids = {g.pk for g in new_games}
        for game in updated:
            if old[game.pk][1] and not game.enabled:
                counts.disabled += 1
            else:
                counts.changed += 1
            counts.renamed += game.external_id in listed and game.code != old[game.pk][0]
        counts.changed += len(cert_changed - new_ids - {g.pk for g in updated})
        transaction.on_commit(catalog_cache_invalidate)
    return counts


def _lock_catalog(aggregator: Aggregator) -> None:
    # Two syncs of one aggregator (beat and "sync now" at once) must not both insert the same
    # new game; they queue here. An advisory lock blocks nothing else: not readers, not
    # launches, not the wallet callbacks that update the aggregator row.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CATALOG_LOCK_CLASS, aggregator.pk])


def _upsert_providers(aggregator: Aggregator, entries: list[CatalogEntry]) -> dict[str, Provider]:
    providers = {p.code: p for p in Provider.objects.filter(aggregator=aggregator)}
    for entry in entries:
        provider = providers.get(entry.provider_code)
        if provider is None:
            providers[entry.provider_code] = Provider.objects.create(
                aggregator=aggregator, code=entry.provider_code, name=entry.provider_name
            )
        elif provider.name != entry.provider_name:
            provider.name = entry.provider_name
            provider.save(update_fields=["name", "updated_at"])
    return providers


def _new_game(aggregator: Aggregator, entry: CatalogEntry, providers: dict[str, Provider], now) -> Game:
    return Game(
        aggregator=aggregator,
        external_id=entry.external_id,
        code=entry.code,
        provider=providers[entry.provider_code],
        name=entry.name,
        category=entry.category,
        rtp=entry.rtp,
        demo_supported=entry.demo_supported,
        enabled=entry.enabled,
        disabled_at=None if entry.enabled else now,
        created_at=now,
        updated_at=now,
    )


def _update_game(game: Game, entry: CatalogEntry, providers: dict[str, Provider], now, aliases: list) -> bool:
    """Copy the entry onto the game; True when anything changed. Records a rename as an alias."""
    wanted = {
        "code": entry.code,
        "name": entry.name,
        "provider": providers[entry.provider_code],
        "category": entry.category,
        "rtp": entry.rtp,
        "demo_supported": entry.demo_supported,
        "enabled": entry.enabled,
    }
    changed = [name for name, value in wanted.items() if getattr(game, name) != value]
    if not changed:
        return False
    if "code" in changed:
        aliases.append(_alias(game.aggregator, game, game.code, entry.code, now))
    if "enabled" in changed:
        game.disabled_at = None if entry.enabled else now
    for name in changed:
        setattr(game, name, wanted[name])
    return True


def _retire_game(game: Game, claimed_codes: set[str], now, aliases: list) -> bool:
    """A game the aggregator no longer lists: disabled, never deleted. True when it changed."""
    released = game.code in claimed_codes  # the aggregator gave its code to another game
    if not (game.enabled or released):
        return False
    game.enabled, game.disabled_at = False, game.disabled_at or now
    if released:
        new_code = f"{game.code[:90]}~retired-{game.pk.hex[:12]}"
        aliases.append(_alias(game.aggregator, game, game.code, new_code, now))
        game.code = new_code
    return True


def _alias(aggregator: Aggregator, game: Game, old_code: str, new_code: str, now) -> GameCodeAlias:
    return GameCodeAlias(aggregator=aggregator, game=game, code=old_code, replaced_by=new_code, replaced_at=now)


def _save_games(updated: list[Game], new_games: list[Game], *, moving: list[Game], reason: str) -> None:
    now = timezone.now()
    # Codes are unique per aggregator, and the aggregator may swap two codes or hand a removed
    # game's code to a new one in a single list. Park the moving codes on unique placeholders
    # first, so no intermediate state breaks the constraint.
    if moving:
        Game.objects.bulk_update([_parked(g) for g in moving], ["code"])
    for game in updated:
        game.updated_at = now
    if updated:
        bulk_update_with_history(
            updated, Game, GAME_FIELDS + ["updated_at"], default_change_reason=reason, default_date=now
        )
    if new_games:
        bulk_create_with_history(new_games, Game, default_change_reason=reason, default_date=now)


def _parked(game: Game) -> Game:
    return Game(pk=game.pk, code=f"~parked-{game.pk}")


def _save_aliases(aliases: list[GameCodeAlias]) -> None:
    for alias in aliases:
        # A code can come back to a game that used it before (A -> B -> A): keep one row per
        # (code, game), dated by the latest rename.
        GameCodeAlias.objects.update_or_create(
            aggregator=alias.aggregator,
            game=alias.game,
            code=alias.code,
            defaults={"replaced_by": alias.replaced_by, "replaced_at": alias.replaced_at},
        )


def _sync_certifications(aggregator: Aggregator, entries: list[CatalogEntry], reason: str) -> set:
    """Make the aggregator-sourced certifications equal the list; staff-entered ones stay.
    Returns the ids of the games whose certifications changed."""
    game_ids = dict(Game.objects.filter(aggregator=aggregator).values_list("external_id", "pk"))
    existing: dict = {}
    for cert in Certification.objects.filter(game__aggregator=aggregator):
        existing[(cert.game_id, cert.country, cert.rtp_profile, cert.build_hash)] = cert
    wanted = {
        (game_ids[e.external_id], c.country, c.rtp_profile, c.build_hash) for e in entries for c in e.certifications
    }
    listed_games = {game_ids[e.external_id] for e in entries}
    stale = [
        cert
        for key, cert in existing.items()
        if cert.source == Certification.Source.AGGREGATOR and key[0] in listed_games and key not in wanted
    ]
    missing = [key for key in wanted if key not in existing]
    touched = {c.game_id for c in stale} | {key[0] for key in missing}
    for cert in stale:
        cert._change_reason = reason
        cert.delete()
    if missing:
        bulk_create_with_history(
            [
                Certification(game_id=g, country=c, rtp_profile=r, build_hash=b, source=Certification.Source.AGGREGATOR)
                for g, c, r, b in sorted(missing)
            ],
            Certification,
            default_change_reason=reason,
        )
    return touched

"""Reconciliation runs: stage their side, compare it with our records in SQL, write the result.

A run is crash-safe by construction. Their side is staged first (one COPY into an UNLOGGED
scratch table, streamed as the report's pages arrive: that holds no row lock, and the fetch's
network time is never spent inside the result's transaction; a fetch that fails aborts the COPY,
so nothing is staged). Then one transaction compares and writes everything the run decides:
the new discrepancies, the ones seen again, the ones healed, and the run's figures. A run killed
before that commit has written no result; the next run of the aggregator finds it dead (its
advisory lock is free), marks it failed and drops its scratch rows. Rerunning a window is
idempotent: an unresolved discrepancy found again is the same one (unique key), and nothing
heals that is still found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casino.models import Aggregator
from reconciliation import sql
from reconciliation.clients import ReportClient, ReportError, TheirRow, report_client_for
from reconciliation.models import ReconciliationRun, SettlementEvent, Source, StatementImport

logger = logging.getLogger(__name__)

Progress = Callable[[str, int], None]  # (stage, rows so far)


def _margin() -> timedelta:
    return timedelta(seconds=settings.RECONCILIATION_EDGE_SECONDS)


def reconciliation_run(
    *,
    aggregator_id: int,
    start: datetime,
    end: datetime,
    source: str = Source.REPORT,
    statement_id: int | None = None,
    started_by=None,
    rows: Iterable[TheirRow] | None = None,
    client: ReportClient | None = None,
    progress: Progress | None = None,
) -> ReconciliationRun:
    """Reconcile one aggregator over [start, end) against `source` and return the finished run
        (succeeded, or failed with the reason: a report that could not be fetched fails the run and
        reports nothing). `rows`, when given, is their side already in hand (benchmark); `client`,
    the report client to use instead of the aggregator's own (tests)."""
    if end <= start:
        raise ValueError("the window must end after it starts")
    aggregator = Aggregator.objects.get(pk=aggregator_id)
    if source == Source.STATEMENT and statement_id is None:
        raise ValueError("a statement run needs the statement")
    _abandon_dead_runs(aggregator_id)
    run = ReconciliationRun.objects.create(
        aggregator=aggregator,
        source=source,
        statement_id=statement_id,
        window_start=start,
        window_end=end,
        started_by=started_by,
    )
    # Held by this connection while the run lives: a later run that can take it knows this
    # one died (killed worker, lost connection) without waiting for any timeout.
    _run_lock(run.pk, take=True)
    note = progress or (lambda stage, count: None)
    try:
        # Its own transaction: a fetch that fails mid-COPY rolls the staging back, nothing else.
        with transaction.atomic():
            run.their_rows = _stage_their_side(run, aggregator, rows, client, note)
        if run.their_rows > 10_000:
            sql.analyze_staged()
        note("compare", run.their_rows)
        _compare_and_write(run)
    except (ReportError, DatabaseError, ValueError) as exc:
        _fail(run, f"{exc.__class__.__name__}: {exc}")
        logger.warning("reconciliation run %s of %s failed: %s", run.pk, aggregator.code, exc)
    finally:
        sql.unstage(run.pk)
        _run_lock(run.pk, take=False)
    return run


def _stage_their_side(
    run: ReconciliationRun,
    aggregator: Aggregator,
    rows: Iterable[TheirRow] | None,
    client: ReportClient | None,
    note: Progress,
) -> int:
    margin = _margin()
    near_start, near_end = run.window_start - margin, run.window_end + margin
    if rows is None and run.source == Source.REPORT:
        rows = (client or report_client_for(aggregator)).transactions(near_start, near_end)
    if rows is not None:
        return sql.stage(run.pk, _counted(rows, note))
    if run.source == Source.STATEMENT:
        return sql.stage_statement(run.pk, statement_id=run.statement_id, start=near_start, end=near_end)
    return sql.stage_settled(run.pk, aggregator_id=aggregator.pk, start=near_start, end=near_end)


def _counted(rows: Iterable[TheirRow], note: Progress, every: int = 50_000) -> Iterator[TheirRow]:
    count = 0
    for count, row in enumerate(rows, start=1):
        if count % every == 0:
            note("stage", count)
        yield row
    note("stage", count)


def run_scope(run: ReconciliationRun) -> sql.Scope:
    return sql.Scope(
        aggregator_id=run.aggregator_id,
        start=run.window_start,
        end=run.window_end,
        margin=_margin(),
        # Webhooks speak of settled rounds only: our records are compared round by round.
        by_rounds=run.source == Source.WEBHOOK,
    )


def _compare_and_write(run: ReconciliationRun) -> None:
    scope = run_scope(run)
    now = timezone.now()
    with transaction.atomic(durable=True):
        sql.lock_aggregator(run.aggregator_id)
        counts = sql.compare(run.pk, scope)
        new = sql.record_found(
            scope=scope, source=run.source, run_id=run.pk, evidence_id=None, now=now, reason=f"found by run {run.pk}"
        )
        healed = sql.heal_missing(
            scope=scope, source=run.source, batch=run.pk, now=now, reason=f"self-healed: run {run.pk} found it matching"
        )
        run.counts = counts
        run.new_discrepancies = new
        run.healed = healed
        run.our_rows = sql.our_rows(scope)
        run.status = ReconciliationRun.Status.SUCCEEDED
        run.finished_at = timezone.now()
        run.save(
            update_fields=["counts", "new_discrepancies", "healed", "our_rows", "their_rows", "status", "finished_at"]
        )


def _fail(run: ReconciliationRun, reason: str) -> None:
    run.status = ReconciliationRun.Status.FAILED
    run.error = reason[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "their_rows"])


def _run_lock(run_id: int, *, take: bool) -> bool:
    with connection.cursor() as cursor:
        function = "pg_try_advisory_lock" if take else "pg_advisory_unlock"
        cursor.execute(f"SELECT {function}(hashtext('reconciliation-run'), %s)", [run_id])
        return bool(cursor.fetchone()[0])


def _abandon_dead_runs(aggregator_id: int) -> None:
    """Mark failed the aggregator's runs still 'running' whose process is gone, and drop their
    scratch rows. A live run holds its lock, so trying it tells the dead from the living."""
    dead = []
    for run in ReconciliationRun.objects.filter(aggregator_id=aggregator_id, status=ReconciliationRun.Status.RUNNING):
        if _run_lock(run.pk, take=True):
            _run_lock(run.pk, take=False)
            dead.append(run.pk)
    if dead:
        ReconciliationRun.objects.filter(pk__in=dead, status=ReconciliationRun.Status.RUNNING).update(
            status=ReconciliationRun.Status.FAILED,
            error="interrupted: the process running it stopped before it finished (nothing of it was written)",
            finished_at=timezone.now(),
        )
        sql.unstage_abandoned(dead)


# --- Hourly ---------------------------------------------------------------------------------------


def last_closed_hour(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(hours=1), end


def hourly_window(aggregator: Aggregator, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The last closed hour, reaching back by the overlap for late traffic: a discrepancy of the
    hour before is looked at again, and closed as self-healed if it no longer holds."""
    start, end = last_closed_hour(now)
    overlap = settings.RECONCILIATION_OVERLAP_SECONDS
    own = getattr(getattr(aggregator, "reconciliation_settings", None), "overlap_seconds", None)
    return start - timedelta(seconds=own if own is not None else overlap), end


def hourly_sources(aggregator: Aggregator) -> list[str]:
    """Its pulled report where the aggregator serves one, and its settlement webhooks if it sends any."""
    sources = [Source.REPORT] if aggregator.api_base_url else []
    if SettlementEvent.objects.filter(aggregator=aggregator).exists():
        sources.append(Source.WEBHOOK)
    return sources


def statement_window(statement: StatementImport) -> tuple[datetime, datetime]:
    """The whole UTC days the statement covers: a daily statement answers for its day, so our
    records of that day that it does not list are missing there."""
    assert statement.first_at is not None and statement.last_at is not None
    first = statement.first_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    last = statement.last_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return first, last + timedelta(days=1)

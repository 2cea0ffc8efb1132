"""Shadow mode: each settlement event compared with our ledger as soon as its calls are here.

An event may arrive before the last money call of its round (webhooks race the calls): it is
kept unmatched and compared when every transaction it counts has reached us, or once
SETTLEMENT_MATCH_GRACE_SECONDS have passed (then what is still missing is missing). The
comparison is the runs' own SQL (sql.py), scoped to the event's round, so shadow mode and the
hourly runs cannot disagree about what a discrepancy is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from casino.models import Aggregator
from reconciliation import sql
from reconciliation.models import (
    Discrepancy,
    DiscrepancyClass,
    ReconciliationSettings,
    SettlementEvent,
    ShadowSummary,
    Source,
    TheirStatus,
)
from wallet.models import AggregatorTransaction


def shadow_on(aggregator: Aggregator, now: datetime | None = None) -> bool:
    settings_row = ReconciliationSettings.objects.filter(aggregator=aggregator).select_related("aggregator").first()
    if settings_row is None:
        settings_row = ReconciliationSettings(aggregator=aggregator)
    return settings_row.shadow_on(now)


def _calls_arrived(event: SettlementEvent) -> bool:
    counted = list(
        event.transactions.filter(status=TheirStatus.SETTLED).values_list("external_id", flat=True)  # type: ignore[attr-defined]
    )
    here = AggregatorTransaction.objects.filter(aggregator_id=event.aggregator_id, external_id__in=counted).count()
    return here == len(counted)


def shadow_check_event(*, event_id: int, now: datetime | None = None) -> bool:
    """Compare one event with the ledger if it is due; True once it has been compared."""
    now = now or timezone.now()
    event = SettlementEvent.objects.select_related("aggregator").get(pk=event_id)
    if event.matched_at is not None:
        return True
    grace = timedelta(seconds=settings.SETTLEMENT_MATCH_GRACE_SECONDS)
    if (
        event.kind == SettlementEvent.Kind.ROUND_SETTLED
        and not _calls_arrived(event)
        and now - event.received_at < grace
    ):
        return False  # kept: compared when the late calls arrive (or the grace runs out)
    batch = -event.pk
    with transaction.atomic(durable=True):
        # Marked in the same transaction as the comparison it records: a check is done once.
        if not SettlementEvent.objects.filter(pk=event.pk, matched_at__isnull=True).update(matched_at=now):
            return True  # another worker compared it first
        sql.lock_aggregator(event.aggregator_id)
        if event.kind == SettlementEvent.Kind.ROUND_SETTLED:
            sql.unstage(batch)
            sql.stage_event(batch, event_id=event.pk)
            scope = sql.Scope(aggregator_id=event.aggregator_id, start=None, end=None, by_rounds=True)
            sql.compare(batch, scope)
            reason = f"shadow mode: settlement event {event.event_id}"
            sql.record_found(
                scope=scope, source=Source.WEBHOOK, run_id=None, evidence_id=event.pk, now=now, reason=reason
            )
            sql.heal_missing(scope=scope, source=Source.WEBHOOK, batch=batch, now=now, reason=f"self-healed: {reason}")
            sql.unstage(batch)
        else:
            _check_session_totals(event, now)
    return True


def _check_session_totals(event: SettlementEvent, now: datetime) -> None:
    """A closed session's totals against the calls we applied in it: an amount mismatch if not."""
    applied = AggregatorTransaction.objects.filter(
        aggregator_id=event.aggregator_id, session__token=event.session_token, outcome="applied"
    )
    ours = applied.aggregate(
        bets=Sum("amount", filter=Q(kind="bet")),
        wins=Sum("amount", filter=Q(kind="win")),
        refunds=Sum("amount", filter=Q(kind="rollback")),
    )
    # A refunded bet is no bet: their totals count the bets that stood.
    our_bets = (ours["bets"] or 0) - (ours["refunds"] or 0)
    our_wins = ours["wins"] or 0
    if (our_bets, our_wins) == (event.bet_total, event.win_total):
        return
    Discrepancy.objects.get_or_create(
        aggregator_id=event.aggregator_id,
        source=Source.WEBHOOK,
        kind=DiscrepancyClass.AMOUNT_MISMATCH,
        transaction_id=f"session:{event.session_token}",
        status__in=[Discrepancy.Status.OPEN, Discrepancy.Status.INVESTIGATING],
        defaults={
            "status": Discrepancy.Status.OPEN,
            "player_id": event.player_id,
            "occurred_at": event.occurred_at,
            "their_amount": (event.bet_total or 0) - (event.win_total or 0),
            "their_currency": event.currency,
            "their_kind": "session",
            "our_amount": our_bets - our_wins,
            "our_currency": event.currency,
            "evidence": event,
            "detected_at": now,
            "note": (
                f"session totals: theirs bets {event.bet_total} wins {event.win_total},"
                f" ours bets {our_bets} wins {our_wins}"
            ),
        },
    )


def shadow_match_pending(*, now: datetime | None = None, limit: int = 500) -> int:
    """Compare the events still waiting (beat, every minute). Returns how many were compared."""
    now = now or timezone.now()
    done = 0
    pending = SettlementEvent.objects.filter(matched_at__isnull=True).order_by("received_at")
    for event_id, aggregator_id in pending.values_list("pk", "aggregator_id")[:limit]:
        aggregator = Aggregator.objects.get(pk=aggregator_id)
        if not shadow_on(aggregator, now):
            # Shadow mode off: the hourly run compares these; nothing waits on them here.
            SettlementEvent.objects.filter(pk=event_id, matched_at__isnull=True).update(matched_at=now)
            continue
        done += shadow_check_event(event_id=event_id, now=now)
    return done


def shadow_summarize(*, day: date) -> list[ShadowSummary]:
    """The day's shadow summary of every aggregator that had settlement events that day:
    discrepancies from webhooks detected that day, counted and summed per class (rewritten
    each time: safe to run again)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    end = start + timedelta(days=1)
    events = dict(
        SettlementEvent.objects.filter(received_at__gte=start, received_at__lt=end)
        .values_list("aggregator_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    summaries = []
    for aggregator_id, n in events.items():
        rows = (
            Discrepancy.objects.filter(
                aggregator_id=aggregator_id, source=Source.WEBHOOK, detected_at__gte=start, detected_at__lt=end
            )
            .annotate(currency=Coalesce(NullIf("our_currency", Value("")), "their_currency"))
            .values("kind", "currency")
            .annotate(count=Count("id"), their_amount=Sum("their_amount"), our_amount=Sum("our_amount"))
            .order_by("kind", "currency")
        )
        # Amounts are summed per currency: minor units of different currencies never add up.
        counts: dict = {}
        for r in rows:
            counts.setdefault(r["kind"], {})[r["currency"]] = {
                "count": r["count"],
                "their_amount": r["their_amount"] or 0,
                "our_amount": r["our_amount"] or 0,
            }
        summary, _ = ShadowSummary.objects.update_or_create(
            aggregator_id=aggregator_id,
            day=day,
            defaults={"events": n, "counts": counts, "computed_at": timezone.now()},
        )
        summaries.append(summary)
    return summaries

"""Settlement webhooks: a signed batch of events, each applied once per (aggregator, event id).

The batch and its answer are kept (the raw bytes and headers are the dispute evidence): a
redelivered batch gets the first answer back. Each event is checked on its own; a bad one is
refused with its reason and the rest are applied, all in one transaction. Events may come in
any order and before the money calls they speak of: nothing here asks the ledger. Shadow mode
compares each event with the ledger afterwards (shadow.py), once its calls have arrived.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from casino.models import Aggregator
from reconciliation.models import SettledTransaction, SettlementEvent, SettlementRequest, TheirStatus
from reconciliation.parsing import KINDS, RowError, amount, parse_time, text

MAX_EVENTS = 1000
MAX_TRANSACTIONS = 1000  # per round
EVENT_FIELDS = (
    "event_id",
    "type",
    "round_id",
    "player_id",
    "session_token",
    "currency",
    "transactions",
    "bet_total",
    "win_total",
    "settled_at",
    "closed_at",
)
KEPT_HEADERS = ("X-Aggregator-Key", "X-Timestamp", "X-Signature", "Content-Type", "User-Agent")


class BatchError(ValueError):
    """The batch as a whole cannot be read (nothing of it is applied)."""


class BatchReused(BatchError):
    """The batch id came before with other content (a redelivery must be the same batch)."""


@dataclass(frozen=True)
class BatchAnswer:
    body: dict
    replayed: bool
    applied_event_ids: tuple[int, ...] = ()


def read_batch(payload: dict) -> tuple[str, list]:
    batch_id = payload.get("batch_id")
    if not isinstance(batch_id, str) or not batch_id or len(batch_id) > 128 or not batch_id.isprintable():
        raise BatchError("batch_id must be a string of 1 to 128 printable characters")
    events = payload.get("events")
    if not isinstance(events, list) or not events:
        raise BatchError("events must be a non-empty list")
    if len(events) > MAX_EVENTS:
        raise BatchError(f"at most {MAX_EVENTS} events per batch")
    return batch_id, events


def settlement_batch_apply(*, aggregator: Aggregator, raw: bytes, headers, payload: dict) -> BatchAnswer:
    """Apply a batch once and return its answer; a redelivery (same batch id, same content)
    gets the stored first answer. Raises BatchError for a batch that cannot be read, or one
    whose id was used before for other content."""
    batch_id, events = read_batch(payload)
    try:
        return _apply(aggregator, batch_id, events, raw, headers, payload)
    except IntegrityError:
        # Two first deliveries raced: the loser's insert of the batch waited for the winner's
        # commit and hit the unique key. The winner's answer is now there to replay.
        return _apply(aggregator, batch_id, events, raw, headers, payload)


def _apply(aggregator, batch_id, events, raw, headers, payload) -> BatchAnswer:
    with transaction.atomic(durable=True):
        known = SettlementRequest.objects.filter(aggregator=aggregator, batch_id=batch_id).first()
        if known is not None:
            if json.loads(bytes(known.body)) != payload:
                raise BatchReused(f"batch {batch_id!r} was already received with other content")
            return BatchAnswer(body=known.answer or {}, replayed=True)
        request = SettlementRequest.objects.create(
            aggregator=aggregator,
            batch_id=batch_id,
            body=raw,
            headers={name: headers[name] for name in KEPT_HEADERS if _storable(headers.get(name))},
        )
        results, applied = [], []
        for index, event in enumerate(events):
            result, event_row = _apply_event(aggregator, request, index, event)
            results.append(result)
            if event_row is not None:
                applied.append(event_row.pk)
        request.answer = {"status": "OK", "batch_id": batch_id, "results": results}
        request.save(update_fields=["answer"])
    return BatchAnswer(body=request.answer, replayed=False, applied_event_ids=tuple(applied))


def _apply_event(aggregator, request, index: int, event) -> tuple[dict, SettlementEvent | None]:
    event_id = event.get("event_id") if isinstance(event, dict) else None
    # Echoed in the stored answer (jsonb) only when it is an id we could have kept: printable
    # text (no NUL, no lone surrogate), else null.
    shown_id = event_id if _storable(event_id) and len(event_id) <= 128 else None
    try:
        parsed = parse_event(event)
    except RowError as exc:
        return {"event_id": shown_id, "index": index, "status": "refused", "reason": str(exc)}, None
    if SettlementEvent.objects.filter(aggregator=aggregator, event_id=parsed["event_id"]).exists():
        # Applied by an earlier batch: once per (aggregator, event id), whatever batch brings it.
        return {"event_id": parsed["event_id"], "index": index, "status": "duplicate"}, None
    transactions = parsed.pop("transactions")
    # The event as read (every field checked), not as sent: the raw bytes are the request's.
    payload = {k: v for k, v in event.items() if k in EVENT_FIELDS and k != "transactions"}
    payload["transactions"] = transactions
    row = SettlementEvent.objects.create(aggregator=aggregator, request=request, payload=_jsonable(payload), **parsed)
    SettledTransaction.objects.bulk_create(
        SettledTransaction(
            event=row,
            aggregator=aggregator,
            round_id=row.round_id,
            player_id=row.player_id,
            currency=t.get("currency") or row.currency,
            occurred_at=row.occurred_at,
            external_id=t["id"],
            kind=t["kind"],
            amount=t["amount"],
            status=t["status"],
        )
        for t in transactions
    )
    return {"event_id": row.event_id, "index": index, "status": "applied"}, row


def _storable(value) -> bool:
    """Text PostgreSQL's jsonb keeps as sent: printable, and valid UTF-8 (no lone surrogate)."""
    if not isinstance(value, str) or not value.isprintable():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _jsonable(payload: dict) -> dict:
    # Checked fields only: ids and codes are printable text (no NUL, which jsonb refuses), amounts
    # integers, times parsed; a time is kept as sent, and so must be text as well.
    return {k: v for k, v in payload.items() if not (k.endswith("_at") and not isinstance(v, str))}


def parse_event(event) -> dict:
    """The model fields of one event, or RowError naming what is wrong with it."""
    if not isinstance(event, dict):
        raise RowError("an event must be an object")
    kind = event.get("type")
    fields = {"event_id": text(event, "event_id"), "kind": kind}
    if kind == SettlementEvent.Kind.ROUND_SETTLED:
        fields.update(
            round_id=text(event, "round_id"),
            player_id=text(event, "player_id"),
            currency=text(event, "currency"),
            bet_total=amount(event.get("bet_total")),
            win_total=amount(event.get("win_total")),
            occurred_at=parse_time(event.get("settled_at")),
            transactions=_transactions(event.get("transactions")),
        )
        counted = [t for t in fields["transactions"] if t["status"] == TheirStatus.SETTLED]
        bets = sum(t["amount"] for t in counted if t["kind"] == "bet")
        wins = sum(t["amount"] for t in counted if t["kind"] == "win")
        if (bets, wins) != (fields["bet_total"], fields["win_total"]):
            raise RowError(
                f"bet_total/win_total {fields['bet_total']}/{fields['win_total']} are not the sums of the "
                f"settled transactions ({bets}/{wins})"
            )
    elif kind == SettlementEvent.Kind.SESSION_CLOSED:
        fields.update(
            session_token=text(event, "session_token"),
            player_id=text(event, "player_id", required=False),
            currency=text(event, "currency"),
            bet_total=amount(event.get("bet_total")),
            win_total=amount(event.get("win_total")),
            occurred_at=parse_time(event.get("closed_at")),
            transactions=[],
        )
    else:
        raise RowError("type must be round_settled or session_closed")
    return fields


def _transactions(items) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise RowError("transactions must be a non-empty list")
    if len(items) > MAX_TRANSACTIONS:
        raise RowError(f"at most {MAX_TRANSACTIONS} transactions per round")
    parsed = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise RowError(f"transactions[{n}] must be an object")
        try:
            kind = item.get("kind")
            if kind not in KINDS:
                raise RowError(f"kind must be one of {', '.join(KINDS)}")
            status = item.get("status", TheirStatus.SETTLED)
            if status not in TheirStatus.values:
                raise RowError(f"status must be one of {', '.join(TheirStatus.values)}")
            parsed.append(
                {
                    "id": text(item, "id"),
                    "kind": kind,
                    "amount": amount(item.get("amount")),
                    "status": status,
                    "currency": text(item, "currency", required=False),
                }
            )
        except RowError as exc:
            raise RowError(f"transactions[{n}]: {exc}") from None
    return parsed

"""Appending to the audit chain, and checking it.

Each record's hash is SHA-256 over its canonical content (audit_content) and the previous
record's hash; the first record follows GENESIS. Appends are serialised: every append takes
one PostgreSQL advisory lock for the rest of its transaction (pg_advisory_xact_lock), reads
the head and inserts after it, so two writers can never both follow the same head (a fork).
The lock is held until the writer's transaction commits; only staff actions, logins and
exports append, never an aggregator's money call, so the money path never waits on it
(measured: docs/benchmarks.md, "Audit").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from compliance.models import AuditRecord, AuditVerification

GENESIS = "0" * 64
# The advisory lock key of the chain (any fixed bigint: "audit" in ASCII).
CHAIN_LOCK_KEY = 0x6175646974

CONTENT_FIELDS = (
    "created_at",
    "kind",
    "actor_id",
    "actor",
    "ip_address",
    "object_type",
    "object_id",
    "object_repr",
    "player",
    "changes",
    "reason",
    "prev_hash",
)


def audit_content(record: AuditRecord) -> bytes:
    """The bytes a record's hash covers: its content fields as canonical JSON (sorted keys, no
    spaces, UTC microsecond times), the previous hash included."""
    values = {name: getattr(record, name) for name in CONTENT_FIELDS}
    values["created_at"] = record.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def audit_hash(record: AuditRecord) -> str:
    return hashlib.sha256(audit_content(record)).hexdigest()


def json_safe(value):
    """`value` as the JSON the database will hand back, so the hash computed before the insert
    is the one verify_audit recomputes from the stored row."""
    return json.loads(json.dumps(value, default=str))


def audit_append(
    *,
    kind: str,
    actor_id: int | None = None,
    actor: str = "",
    ip_address: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    player: str = "",
    changes: dict | None = None,
    reason: str = "",
) -> AuditRecord:
    """Append one record after the chain's head, in the caller's transaction (a transaction of
    its own outside one). Locks: the chain's advisory lock, until that transaction ends."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One writer at a time past this point: the head read below stays the head until
            # this transaction commits, so the chain cannot fork.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        head = AuditRecord.objects.order_by("-id").values_list("hash", flat=True).first()
        record = AuditRecord(
            created_at=timezone.now(),
            kind=kind[:64],
            actor_id=actor_id,
            actor=actor[:150],
            ip_address=ip_address,
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            object_repr=object_repr[:200],
            player=player[:128],
            changes=json_safe(changes or {}),
            reason=reason,
            prev_hash=head or GENESIS,
        )
        record.hash = audit_hash(record)
        record.save(force_insert=True)
    return record


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    records_checked: int
    first_broken_id: int | None = None
    problem: str = ""
    head_id: int | None = None
    head_hash: str = ""


def _records_in_order(batch: int = 5000) -> Iterator[AuditRecord]:
    # Keyset pages by id: constant memory over any number of records, no long-held cursor.
    last_id = 0
    while True:
        page = list(AuditRecord.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not page:
            return
        yield from page
        last_id = page[-1].pk


def audit_chain_check(*, heads_dir: Path | None = None) -> ChainReport:
    """Walk the chain from its first record: each hash must match its content and follow the
    previous record's. Then each exported head (heads_dir) must still be in the chain as
    exported, which catches even a chain rewritten from the start. The first problem wins."""
    previous, checked, head_id = GENESIS, 0, None
    for record in _records_in_order():
        if record.prev_hash != previous:
            return ChainReport(
                False, checked, record.pk, f"record {record.pk} does not follow the one before it (removed or inserted)"
            )
        if audit_hash(record) != record.hash:
            return ChainReport(False, checked, record.pk, f"record {record.pk} was altered: its hash does not match")
        previous, head_id, checked = record.hash, record.pk, checked + 1
    for exported in _exported_heads(heads_dir):
        stored = AuditRecord.objects.filter(pk=exported["record_id"]).values_list("hash", flat=True).first()
        if stored != exported["hash"]:
            return ChainReport(
                False,
                checked,
                exported["record_id"],
                f"the head exported on {exported['date']} (record {exported['record_id']}) is no longer in the chain",
            )
    return ChainReport(True, checked, head_id=head_id, head_hash=previous if head_id else "")


def audit_verify(*, heads_dir: Path | None = None) -> AuditVerification:
    """Check the chain and keep the result (the admin shows the latest)."""
    started = timezone.now()
    report = audit_chain_check(heads_dir=heads_dir if heads_dir is not None else head_export_dir())
    return AuditVerification.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        ok=report.ok,
        records_checked=report.records_checked,
        first_broken_id=report.first_broken_id,
        problem=report.problem,
        head_id=report.head_id,
        head_hash=report.head_hash,
    )


# --- The daily head export -----------------------------------------------------------------


def head_export_dir() -> Path:
    return Path(settings.AUDIT_HEAD_EXPORT_DIR)


def _exported_heads(heads_dir: Path | None) -> Iterator[dict]:
    if heads_dir is None or not heads_dir.is_dir():
        return
    for path in sorted(heads_dir.glob("audit-head-*.json")):
        yield json.loads(path.read_text())


def audit_head_export(*, at: datetime | None = None, heads_dir: Path | None = None) -> Path | None:
    """Write the chain's head (id, hash, time) to `audit-head-<UTC date>.json` in the export
    folder, from where it is published outside the database (docs/audit.md). Run daily by beat;
    running twice a day rewrites the day's file with the later head (both are in the chain).
    None when the log is empty."""
    at = at or timezone.now()
    head = AuditRecord.objects.order_by("-id").first()
    if head is None:
        return None
    folder = heads_dir or head_export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    day = at.astimezone(UTC).date().isoformat()
    path = folder / f"audit-head-{day}.json"
    body = {
        "date": day,
        "record_id": head.pk,
        "hash": head.hash,
        "created_at": head.created_at.astimezone(UTC).isoformat(),
        "exported_at": at.astimezone(UTC).isoformat(),
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(body, indent=1) + "\n")
    temporary.replace(path)  # atomic: a reader never sees half a file
    return path

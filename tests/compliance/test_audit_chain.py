"""The audit log's chain (compliance/audit/chain.py): each record follows the previous one's
hash, the database refuses changes, verify_audit finds the first broken record, and writers
racing never fork the chain."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from compliance import tasks
from compliance.audit.chain import GENESIS, audit_append, audit_chain_check, audit_hash, audit_head_export
from compliance.models import AuditRecord, AuditVerification
from tests.staff import staff_in
from tests.wallet.test_concurrency import in_parallel


@pytest.fixture(autouse=True)
def own_heads_folder(settings, tmp_path):
    # Never the installation's var/audit-heads: heads exported from another database there
    # would rightly fail this one's verification.
    settings.AUDIT_HEAD_EXPORT_DIR = str(tmp_path / "heads")


def append(n: int) -> list[AuditRecord]:
    return [audit_append(kind="test.event", actor="tester", changes={"n": i, "name": "Zoë €"}) for i in range(n)]


def behind_the_apps_back(sql: str, params: list) -> None:
    """What someone with database access could do: disable the guard, change rows, re-enable."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE compliance_auditrecord DISABLE TRIGGER compliance_auditrecord_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE compliance_auditrecord ENABLE TRIGGER compliance_auditrecord_append_only")


def test_each_record_follows_the_previous_ones_hash(db):
    first, second, third = append(3)

    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert audit_hash(AuditRecord.objects.get(pk=third.pk)) == third.hash  # as stored, as computed


@pytest.mark.parametrize(
    "statement", ["UPDATE compliance_auditrecord SET reason = 'x'", "DELETE FROM compliance_auditrecord"]
)
def test_the_database_refuses_updates_and_deletes(db, statement):
    append(1)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def test_verify_audit_reports_an_intact_chain(db):
    append(5)
    out = io.StringIO()

    call_command("verify_audit", stdout=out)

    assert "intact: 5 records" in out.getvalue()
    latest = AuditVerification.objects.first()
    assert latest.ok and latest.records_checked == 5


def test_verify_audit_catches_a_row_edited_behind_the_apps_back(db):
    records = append(5)
    behind_the_apps_back("UPDATE compliance_auditrecord SET actor = 'someone-else' WHERE id = %s", [records[2].pk])

    with pytest.raises(CommandError, match=f"BROKEN at record {records[2].pk}.*altered"):
        call_command("verify_audit")

    latest = AuditVerification.objects.first()
    assert not latest.ok and latest.first_broken_id == records[2].pk and latest.records_checked == 2


def test_verify_audit_catches_a_deleted_row(db):
    records = append(4)
    behind_the_apps_back("DELETE FROM compliance_auditrecord WHERE id = %s", [records[1].pk])

    report = audit_chain_check()

    assert not report.ok and report.first_broken_id == records[2].pk
    assert "removed or inserted" in report.problem


def test_an_exported_head_catches_a_chain_rewritten_from_the_start(db, tmp_path):
    records = append(3)
    audit_head_export(heads_dir=tmp_path)
    # Rewritten consistently: every hash recomputed, so the chain alone looks intact.
    forged = GENESIS
    for record in records:
        record.reason, record.prev_hash = "forged", forged
        record.hash = forged = audit_hash(record)
        behind_the_apps_back(
            "UPDATE compliance_auditrecord SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [record.reason, record.prev_hash, record.hash, record.pk],
        )

    assert audit_chain_check().ok  # the chain is consistent again...
    report = audit_chain_check(heads_dir=tmp_path)  # ...but not with what was published

    assert not report.ok and "no longer in the chain" in report.problem


def test_the_head_export_writes_the_days_head(db, tmp_path):
    *_, head = append(2)

    path = audit_head_export(heads_dir=tmp_path)

    exported = json.loads(path.read_text())
    assert path.name.startswith("audit-head-") and (exported["record_id"], exported["hash"]) == (head.pk, head.hash)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_writers_racing_never_fork_the_chain():
    in_parallel(8, lambda i: [audit_append(kind="test.race", actor=f"writer-{i}", changes={"i": j}) for j in range(10)])

    records = list(AuditRecord.objects.filter(kind="test.race").order_by("id"))
    assert len(records) == 80
    assert audit_chain_check().ok
    assert len({record.prev_hash for record in records}) == 80  # no two follow the same head


def test_the_daily_tasks_verify_and_export_and_the_admin_shows_the_last_result(db, client):
    *_, head = append(3)

    assert tasks.export_audit_head().endswith(".json")
    assert tasks.verify_audit() is True
    client.force_login(staff_in("Compliance"))
    intact = client.get(reverse("admin:compliance_auditrecord_changelist")).content.decode()
    behind_the_apps_back("UPDATE compliance_auditrecord SET reason = 'edited' WHERE id = %s", [head.pk])
    assert tasks.verify_audit() is False
    broken = client.get(reverse("admin:compliance_auditrecord_changelist")).content.decode()

    assert "intact" in intact and head.hash in intact
    assert f"BROKEN</strong> at record {head.pk}" in broken


def test_what_the_database_hands_back_hashes_the_same(db):
    # Addresses, times, nested JSON, numbers and text as PostgreSQL stores and returns them.
    audit_append(kind="t", ip_address="2001:db8::1", changes={"b": [1, 2.5, None], "a": {"z": "ß"}}, reason="€ ✓")
    audit_append(kind="t", ip_address="10.0.0.255", changes={"big": 2**62, "neg": -1, "flag": True})

    assert audit_chain_check().ok

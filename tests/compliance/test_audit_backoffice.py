"""The audit log on the back-office's shared pages: its last verification as /metrics gauges
(alerted on: docs/operations.md), and the staff actions about a player on the player page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from compliance.audit.chain import audit_append
from compliance.models import AuditVerification
from tests.casino.test_metrics import scrape
from tests.compliance.test_audit_chain import behind_the_apps_back
from tests.staff import staff_in


@pytest.fixture(autouse=True)
def own_heads_folder(settings, tmp_path):
    settings.AUDIT_HEAD_EXPORT_DIR = str(tmp_path / "heads")


def gauge(text: str, name: str) -> float | None:
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_the_gauges_follow_the_last_verification(db, client):
    from compliance import tasks

    record = audit_append(kind="t", actor="x")
    tasks.verify_audit()
    intact = scrape(client)
    behind_the_apps_back("UPDATE compliance_auditrecord SET actor = 'y' WHERE id = %s", [record.pk])
    tasks.verify_audit()
    broken = scrape(client)

    assert gauge(intact, "casino_audit_verify_failures") == 0.0
    assert gauge(broken, "casino_audit_verify_failures") == 1.0
    last = AuditVerification.objects.first()
    assert gauge(broken, "casino_audit_verify_last_run_timestamp_seconds") == pytest.approx(
        last.finished_at.timestamp()
    )


def test_the_player_page_lists_staff_actions_about_the_player(player):
    audit_append(kind="change.update", actor="olga", player=player.external_id, reason="ticket 99")
    audit_append(kind="change.update", actor="olga", player="someone-else", reason="not this one")
    client = Client()
    client.force_login(staff_in("Support"))

    page = client.get(reverse("admin:player_page", args=[player.pk])).content.decode()

    assert "Staff actions (audit log)" in page and "ticket 99" in page and "not this one" not in page

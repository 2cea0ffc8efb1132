"""Reconciliation's and the audit log's figures on the dashboard and in /metrics, registered
through casino/backoffice.py."""

import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from compliance.models import AuditVerification
from reconciliation.models import Discrepancy


def scrape(client) -> str:
    return client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()


def test_open_discrepancies_show_on_the_dashboard_and_in_metrics(client, aggregator):
    for n, status in enumerate(["open", "investigating", "resolved"]):
        Discrepancy.objects.create(
            aggregator=aggregator,
            source=Discrepancy._meta.get_field("source").choices[0][0],
            kind=Discrepancy._meta.get_field("kind").choices[0][0],
            transaction_id=f"d-{n}",
            occurred_at=timezone.now(),
            status=status,
            resolution="accepted" if status == "resolved" else "",
        )
    staff = get_user_model().objects.create_superuser("lead", "lead@example.com", "a-long-test-password")

    text = scrape(client)
    client.force_login(staff)
    page = client.get(reverse("admin:index")).content.decode()

    assert 'casino_reconciliation_open_discrepancies{aggregator="acme"} 2.0' in text
    assert re.search(r'<tr data-aggregator="acme"><td>acme</td>\s*<td class="num alert"><a [^>]*>2</a>', page)


def test_the_last_audit_verification_shows_in_metrics(client, db):
    finished = timezone.now() - timedelta(hours=1)
    AuditVerification.objects.create(ok=True, finished_at=finished - timedelta(days=1))
    AuditVerification.objects.create(ok=False, finished_at=finished, problem="hash mismatch")

    text = scrape(client)

    assert "casino_audit_verify_failures 1.0" in text
    found = re.search(r"casino_audit_verify_last_run_timestamp_seconds ([0-9.e+]+)", text)
    assert abs(float(found.group(1)) - finished.timestamp()) < 1

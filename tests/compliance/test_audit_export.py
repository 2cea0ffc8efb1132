"""Exports of the audit log and of a player's statement (compliance/audit/export.py), from the
command line and from the admin: what a regulator opens must parse and hold every record."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from compliance.audit.chain import audit_append
from compliance.models import AuditRecord
from tests.staff import staff_in
from wallet.models import Wallet
from wallet.services import wallet_adjust

TODAY = timezone.now().date()
TOMORROW = TODAY + timedelta(days=1)


def read_csv(text: str) -> list[dict]:
    assert text.startswith("\ufeff")  # the byte-order mark spreadsheets need to read UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def records(db):
    made = [
        audit_append(kind="auth.login", actor="sam", ip_address="10.0.0.1"),
        audit_append(kind="change.update", actor="olga", player="alice", changes={"status": ["active", "blocked"]}),
        audit_append(kind="money_request.requested", actor="fiona", player="bob", reason="Zoë's refund, 5 €"),
        audit_append(kind="auth.login_failed", actor='=HYPERLINK("http://evil")', ip_address="10.0.0.2"),
    ]
    return made


def export(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_csv_to_standard_output_has_one_header_and_every_record(records):
    out, err = export("--from", TODAY.isoformat(), "--to", TOMORROW.isoformat(), "--format", "csv")

    rows = read_csv(out)
    assert [int(row["id"]) for row in rows] == [r.pk for r in records]
    assert rows[2]["reason"] == "Zoë's refund, 5 €"
    assert json.loads(rows[1]["changes"]) == {"status": ["active", "blocked"]}
    assert rows[0]["created_at"].endswith("Z") and datetime.fromisoformat(rows[0]["created_at"]).tzinfo
    assert rows[3]["actor"].startswith("'=")  # never a live formula in a spreadsheet
    assert "4/4 records" in err


def test_jsonl_to_a_file_with_filters(records, tmp_path):
    target = tmp_path / "audit.jsonl"

    _, err = export(
        "--from",
        TODAY.isoformat(),
        "--to",
        TOMORROW.isoformat(),
        "--format",
        "jsonl",
        "--kind",
        "auth",
        "--output",
        str(target),
    )

    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["kind"] for line in lines] == ["auth.login", "auth.login_failed"]
    assert lines[1]["actor"] == '=HYPERLINK("http://evil")'  # JSON keeps the value as it is
    assert "2 records exported" in err


def test_the_player_filter(records):
    out, _ = export("--from", TODAY.isoformat(), "--to", TOMORROW.isoformat(), "--format", "jsonl", "--player", "alice")

    assert [json.loads(line)["kind"] for line in out.splitlines()] == ["change.update"]


def test_the_time_window_is_half_open(records):
    out, _ = export(
        "--from", TOMORROW.isoformat(), "--to", (TOMORROW + timedelta(days=1)).isoformat(), "--format", "jsonl"
    )

    assert out == ""


def test_every_export_is_itself_recorded(records):
    export("--from", TODAY.isoformat(), "--to", TOMORROW.isoformat(), "--format", "csv", "--kind", "auth")

    record = AuditRecord.objects.filter(kind="export.audit").get()
    assert record.changes["kinds"] == ["auth"] and record.changes["via"] == "command"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "yesterday", "--to", "2026-01-01"], "not an ISO-8601"),
        (["--from", "2026-01-02", "--to", "2026-01-01"], "after the start"),
        (["--from", "2026-13-01T00:00", "--to", "2026-01-01"], "not an ISO-8601"),
        (["--from", "2026-01-01", "--to", "2026-02-30"], "not an ISO-8601"),
    ],
)
def test_bad_arguments_get_a_clear_error(db, args, message):
    with pytest.raises(CommandError, match=message):
        export(*args)


# --- The admin ------------------------------------------------------------------------------------


def test_compliance_exports_from_the_admin_as_a_stream(records):
    client = Client()
    client.force_login(staff_in("Compliance"))

    response = client.post(
        reverse("admin:compliance_auditrecord_export"),
        {"start": TODAY.isoformat(), "end": TOMORROW.isoformat(), "format": "csv"},
        REMOTE_ADDR="10.7.7.7",
    )

    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = read_csv(b"".join(response.streaming_content).decode())
    every_record_but_the_export = AuditRecord.objects.exclude(kind="export.audit").order_by("id")
    assert [int(row["id"]) for row in rows] == list(every_record_but_the_export.values_list("id", flat=True))
    assert {r.pk for r in records} <= {int(row["id"]) for row in rows}
    exported = AuditRecord.objects.get(kind="export.audit")
    assert (exported.actor, exported.ip_address, exported.changes["via"]) == ("compliance-user", "10.7.7.7", "admin")


@pytest.mark.parametrize("role", ["Support", "Finance", "Operations"])
def test_other_roles_cannot_export(db, role):
    client = Client()
    client.force_login(staff_in(role))

    assert client.get(reverse("admin:compliance_auditrecord_export")).status_code == 403


def test_a_bad_window_in_the_admin_is_a_form_error(db):
    client = Client()
    client.force_login(staff_in("Compliance"))

    response = client.post(reverse("admin:compliance_auditrecord_export"), {"start": "x", "end": "y", "format": "csv"})

    assert response.status_code == 200 and "not an ISO-8601" in response.content.decode()


# --- A player's statement -------------------------------------------------------------------------


def test_a_statement_lists_every_movement_with_ids_and_the_running_balance(native, call, session, player, admin_user):
    native.post("bet", call("bet", transaction_id="bet-1", round_id="round-9", amount=300))
    native.post("win", call("win", transaction_id="win-1", round_id="round-9", amount=500, round_closed=True))
    wallet_adjust(wallet_id=Wallet.objects.get(player=player).pk, amount=-100, staff_user=admin_user, memo="fix")
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "export_statement",
        "--player",
        player.external_id,
        "--from",
        TODAY.isoformat(),
        "--to",
        TOMORROW.isoformat(),
        "--format",
        "csv",
        stdout=out,
        stderr=err,
    )

    rows = read_csv(out.getvalue())
    assert [(r["kind"], r["amount"], r["balance_after"]) for r in rows] == [
        ("deposit", "10000", "10000"),
        ("bet", "-300", "9700"),
        ("win", "500", "10200"),
        ("adjustment", "-100", "10100"),
    ]
    bet = rows[1]
    assert (bet["aggregator"], bet["transaction_id"], bet["round_id"], bet["game_code"]) == (
        "acme",
        "bet-1",
        "round-9",
        "book-of-tests",
    )
    assert rows[3]["created_by"] == "admin"
    assert AuditRecord.objects.filter(kind="export.statement", player=player.external_id).exists()


def test_a_statement_from_the_admin(player):
    client = Client()
    client.force_login(staff_in("Compliance"))

    response = client.post(
        reverse("admin:compliance_auditrecord_export"),
        {
            "start": TODAY.isoformat(),
            "end": TOMORROW.isoformat(),
            "format": "jsonl",
            "player": player.external_id,
            "statement": "on",
        },
    )

    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [(line["kind"], line["balance_after"]) for line in lines] == [("deposit", 10_000)]


def test_a_statement_for_no_such_player_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no player"):
        call_command("export_statement", "--player", "ghost", "--from", "2026-01-01", "--to", "2026-01-02")


def test_times_without_a_zone_are_utc(records):
    start = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    out, _ = export("--from", start, "--to", TOMORROW.isoformat(), "--format", "jsonl")

    assert len(out.splitlines()) == 4

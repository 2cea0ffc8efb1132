"""Statement files (all or nothing, bad lines by number) and the two commands."""

import pytest
from django.core.management import CommandError, call_command

from reconciliation.models import Discrepancy, ReconciliationRun, StatementImport, StatementLine
from reconciliation.services.statements import StatementError, statement_import

HEADER = "id,kind,player_id,round_id,amount,currency,status,time\n"


def csv_for(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def test_a_good_statement_is_imported_whole(aggregator):
    raw = csv_for(
        "b-1,bet,player-1,r-1,100,EUR,settled,2026-11-29T10:00:00Z",
        "w-1,win,player-1,r-1,250,EUR,settled,2026-11-29T10:00:01+00:00",
    )
    statement = statement_import(aggregator=aggregator, file_name="day.csv", raw=raw)
    assert statement.rows == 2 and StatementLine.objects.filter(statement=statement).count() == 2
    assert [line.line for line in statement.lines.all()] == [2, 3]


def test_bad_lines_are_reported_by_number_and_nothing_is_imported(aggregator):
    raw = csv_for(
        "b-1,bet,player-1,r-1,100,EUR,settled,2026-11-29T10:00:00Z",
        "b-2,bet,player-1,r-1,ten,EUR,settled,2026-11-29T10:00:00Z",
        "b-3,jackpot,player-1,r-1,100,EUR,settled,2026-11-29T10:00:00Z",
        "b-4,bet,player-1,r-1,100,EUR,settled,2026-11-29 10:00:00",
    )
    with pytest.raises(StatementError) as caught:
        statement_import(aggregator=aggregator, file_name="day.csv", raw=raw)
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5"]
    assert "amount" in problems[0] and "kind" in problems[1] and "time zone" in problems[2]
    assert not StatementImport.objects.exists() and not StatementLine.objects.exists()


def test_a_file_imported_twice_is_refused(aggregator):
    raw = csv_for("b-1,bet,player-1,r-1,100,EUR,settled,2026-11-29T10:00:00Z")
    statement_import(aggregator=aggregator, file_name="day.csv", raw=raw)
    with pytest.raises(StatementError, match="already imported"):
        statement_import(aggregator=aggregator, file_name="again.csv", raw=raw)


def test_import_statement_then_reconcile_from_the_command_line(aggregator, money, tmp_path, capsys):
    money("bet", "b-1", 100)
    answer = money("win", "w-1", 250, round_closed=True)
    assert answer.ok
    at = Discrepancy._meta.get_field("detected_at").default().isoformat()  # now
    path = tmp_path / "statement.csv"
    path.write_bytes(
        csv_for(f"b-1,bet,player-1,r-1,100,EUR,settled,{at}", f"w-1,win,player-1,r-1,300,EUR,settled,{at}")
    )
    call_command("import_statement", str(path), aggregator="acme", reconcile=True)
    out = capsys.readouterr().out
    assert "Statement" in out and "amount mismatch" in out
    run = ReconciliationRun.objects.get()
    assert run.source == "statement" and run.counts == {"amount_mismatch": 1}


def test_import_statement_lists_bad_lines_and_fails(aggregator, tmp_path, capsys):
    path = tmp_path / "statement.csv"
    path.write_bytes(csv_for("b-1,bet,player-1,r-1,-5,EUR,settled,2026-11-29T10:00:00Z"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_statement", str(path), aggregator="acme")
    assert "line 2:" in capsys.readouterr().err


def test_reconcile_refuses_bad_arguments(aggregator):
    with pytest.raises(CommandError, match="no aggregator"):
        call_command("reconcile", aggregator="nope", start="2026-11-29T10:00", end="2026-11-29T11:00")
    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("reconcile", aggregator="acme", start="yesterday", end="2026-11-29T11:00")
    with pytest.raises(CommandError, match="after"):
        call_command("reconcile", aggregator="acme", start="2026-11-29T11:00", end="2026-11-29T10:00")

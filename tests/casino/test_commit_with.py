"""A transaction's last statement sent with its COMMIT (casino/database/base.py, commit_with;
wallet/rows.py, execute_with_commit): one round trip, and the transaction's outcome as always."""

import tempfile
from pathlib import Path

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError

from wallet import rows


@pytest.fixture
def table(django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE commit_with_probe (id bigserial PRIMARY KEY, name text UNIQUE)")
    yield "commit_with_probe"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE commit_with_probe")


def names() -> list[str]:
    """What another connection sees committed."""
    params = connection.get_connection_params()
    where = {key: params[key] for key in ("host", "port", "user", "password", "dbname") if params.get(key)}
    with psycopg.connect(**where) as other:
        return [name for (name,) in other.execute("SELECT name FROM commit_with_probe ORDER BY id")]


INSERT = "INSERT INTO commit_with_probe (name) VALUES (%s) RETURNING id, name"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_statement_is_written_at_commit_and_its_row_read_after(table):
    with transaction.atomic(durable=True):
        rows.execute_with_commit(INSERT, ["before"])  # not this one: rolled back below
        transaction.set_rollback(True)
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO commit_with_probe (name) VALUES ('first')")
        row = rows.execute_with_commit(INSERT, ["last"])
        assert names() == []  # nothing sent yet, nothing committed
    assert row()[1] == "last"
    assert names() == ["first", "last"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_error_in_the_block_rolls_back_and_the_statement_is_never_sent(table):
    with pytest.raises(ZeroDivisionError), transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO commit_with_probe (name) VALUES ('first')")
        rows.execute_with_commit(INSERT, ["last"])
        1 / 0  # noqa: B018
    assert names() == []
    with transaction.atomic(durable=True):  # the connection serves the next transaction
        row = rows.execute_with_commit(INSERT, ["next"])
    assert row()[1] == "next"
    assert names() == ["next"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_statement_raises_from_the_commit_and_nothing_of_the_transaction_is_kept(table):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO commit_with_probe (name) VALUES ('taken')")
    with pytest.raises(IntegrityError), transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO commit_with_probe (name) VALUES ('first')")
        rows.execute_with_commit(INSERT, ["taken"])
    assert names() == ["taken"]
    with transaction.atomic(durable=True):
        row = rows.execute_with_commit(INSERT, ["next"])
    assert row()[1] == "next"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_statement_and_the_commit_travel_in_one_message(table):
    """libpq's trace of the protocol: from the statement's Parse or Bind to the Sync after the
    COMMIT, the client sends and the server answers nothing in between (one round trip)."""
    with tempfile.TemporaryDirectory() as folder:
        trace = Path(folder) / "trace"
        with open(trace, "w") as out:
            with transaction.atomic(durable=True):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                row = rows.execute_with_commit(INSERT, ["traced"])
                connection.connection.pgconn.trace(out.fileno())
                connection.connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
            connection.connection.pgconn.untrace()
        lines = [line.split("\t") for line in trace.read_text().splitlines()]
    sent_first = next(i for i, line in enumerate(lines) if "commit_with_probe" in "\t".join(line))
    sent_last = next(i for i, line in enumerate(lines) if line[0] == "F" and line[2] == "Sync")
    assert any('"COMMIT"' in "\t".join(line) for line in lines[sent_first:sent_last])
    assert [line[0] for line in lines[sent_first : sent_last + 1]] == ["F"] * (sent_last + 1 - sent_first)
    assert row()[1] == "traced"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_a_savepoint_the_statement_runs_at_once_and_only_the_outermost_block_sends_it_with_commit(table):
    with pytest.raises(TransactionManagementError):
        connection.commit_with(lambda: None)  # no transaction at all
    with transaction.atomic(durable=True):
        with transaction.atomic():
            inner = rows.execute_with_commit(INSERT, ["in a savepoint"])
            assert inner()[1] == "in a savepoint"  # already written
        outer = rows.execute_with_commit(INSERT, ["outermost"])
        with pytest.raises(TransactionManagementError):
            connection.commit_with(lambda: None)  # once per transaction
    assert outer()[1] == "outermost"
    assert names() == ["in a savepoint", "outermost"]

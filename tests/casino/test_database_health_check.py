"""The connection health check (casino/database/base.py): asked only of a connection idle for
longer than DB_HEALTH_CHECK_SECONDS, and a connection the server dropped is replaced either way."""

import psycopg
import pytest
from django.db import OperationalError, connection
from django.db.backends.postgresql import base as postgresql

from tests.conftest import database_url


@pytest.fixture
def checks(monkeypatch) -> list:
    """Every health check the connection makes (each still runs its real `SELECT 1`)."""
    made = []
    real = postgresql.DatabaseWrapper.is_usable

    def counted(self):
        made.append(self.alias)
        return real(self)

    monkeypatch.setattr(postgresql.DatabaseWrapper, "is_usable", counted)
    return made


def request() -> int:
    """What a request does with the connection: Django's request start, then one query."""
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def drop_from_the_server(pid: int) -> None:
    with psycopg.connect(database_url(connection.settings_dict["NAME"])) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_that_answered_within_the_window_is_not_checked_again(settings, checks):
    settings.DB_HEALTH_CHECK_SECONDS = 60
    first = request()
    assert [request() for _ in range(5)] == [first] * 5
    assert checks == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_no_window_every_request_checks_its_connection_as_django_does(settings, checks):
    settings.DB_HEALTH_CHECK_SECONDS = 0
    for _ in range(3):
        request()
    assert len(checks) == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_idle_past_the_window_is_checked_and_replaced_when_the_server_dropped_it(settings, checks):
    settings.DB_HEALTH_CHECK_SECONDS = 0.2
    first = request()
    checks.clear()
    drop_from_the_server(first)
    connection.answered_at -= 1  # idle for longer than the window
    assert request() != first  # checked, found dead, a new connection answered
    assert len(checks) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_dropped_within_the_window_fails_one_request_then_is_replaced(settings, checks):
    settings.DB_HEALTH_CHECK_SECONDS = 60
    first = request()
    drop_from_the_server(first)
    with pytest.raises(OperationalError):
        request()  # the price of not asking: this request's statement finds it gone
    # Django's end of request: an error other than a data or integrity error means a real check.
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is None
    assert request() != first

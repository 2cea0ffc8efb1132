"""/health and /ready, with each dependency really down: nothing is mocked, the probe meets a
closed port or an empty database."""

import logging
import socket

import psycopg
import pytest
from django.db import connection

from casino import views
from casino.celery import app
from tests.conftest import database_url


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fresh_probe(monkeypatch):
    """Each test's probe looks at the migrations again (a process remembers it saw them applied)."""
    monkeypatch.setattr(views, "_migrated", False)


def test_health_answers_while_the_process_is_up(client):
    assert client.get("/health").json() == {"status": "ok"}


def test_ready_answers_ok_while_every_dependency_answers(db, client, fresh_probe):
    response = client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ready_tells_callers_only_that_the_database_is_unreachable_and_logs_why(client, caplog, fresh_probe):
    port = closed_port()
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port), USER="probe_role")
    try:
        with caplog.at_level(logging.ERROR, logger="casino.views"):
            response = client.get("/ready")
    finally:
        connection.close()
        connection.settings_dict.update(real)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": [{"check": "database", "problem": "unreachable"}]}
    assert str(port) not in response.content.decode()
    assert "database unreachable" in caplog.text and str(port) in caplog.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ready_says_the_database_is_not_migrated_when_it_is_empty(client, fresh_probe):
    empty = f"{connection.settings_dict['NAME']}_empty"
    with psycopg.connect(database_url("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{empty}"')
        server.execute(f'CREATE DATABASE "{empty}"')
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(NAME=empty)
    try:
        response = client.get("/ready")
    finally:
        connection.close()
        connection.settings_dict.update(real)
        with psycopg.connect(database_url("postgres"), autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{empty}"')

    assert response.status_code == 503
    assert response.json()["failed"] == [{"check": "database", "problem": "not migrated"}]


def test_ready_fails_when_redis_is_configured_and_down(db, client, settings, fresh_probe):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/ready")

    assert response.status_code == 503
    assert {"check": "redis", "problem": "unreachable"} in response.json()["failed"]


@pytest.fixture
def broker_down():
    configured = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app._pool = None
    yield
    app.conf.broker_url = configured
    app._pool = None


def test_ready_fails_when_the_celery_broker_is_down(db, client, broker_down, fresh_probe):
    response = client.get("/ready")

    assert response.status_code == 503
    assert response.json()["failed"] == [{"check": "broker", "problem": "unreachable"}]

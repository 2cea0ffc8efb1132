import logging
import socket

import pytest
from django.db import connection


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_ready_answers_ok_while_the_database_answers(db, client):
    response = client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ready_tells_callers_only_that_the_database_is_unreachable_and_logs_why(client, caplog):
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
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert str(port) not in response.content.decode()
    assert "database unreachable" in caplog.text and str(port) in caplog.text

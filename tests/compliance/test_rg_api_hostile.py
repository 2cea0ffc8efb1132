"""Hostile input to the RG front-end APIs gets a clear 4xx and changes nothing, never a 500."""

import pytest

from compliance.models import RgLimit
from tests.compliance.conftest import AUTH


def post(client, path, body):
    return client.post(path, body, content_type="application/json", headers=AUTH)


@pytest.mark.parametrize(
    "body",
    [
        '{"kind":"loss","period":"day","currency":"EUR","amount":100000000000000000000000}',
        '{"kind":"session_time","amount":9223372036854775807}',
        '{"kind":"reality_check","amount":20000}',
    ],
    ids=["a money limit past bigint", "a session time past any sane week", "a reality check past a week"],
)
def test_an_oversized_limit_is_a_validation_error_and_sets_nothing(client, alice, body):
    response = post(client, "/api/v1/players/alice/rg/limits", body)

    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
    assert not RgLimit.objects.exists()


@pytest.mark.parametrize("path", ["rg/limits", "rg/session", "rg/cool-off", "rg/self-exclusion"])
def test_a_player_id_holding_nul_names_no_player(client, db, path):
    response = client.get(f"/api/v1/players/p%00x/{path}", headers=AUTH)

    assert response.status_code == 404 and response.json()["code"] == "PLAYER_NOT_FOUND"

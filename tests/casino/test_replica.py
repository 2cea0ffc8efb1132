"""Admin lists (and reports and exports, through reads_from_replica) read from the replica; the
money path never does. In tests the replica alias mirrors the primary's database, so both doors
see the same rows: what is checked is which connection each read goes through."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test.utils import CaptureQueriesContext

from casino.models import Player
from casino.replica import reads_from_replica

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])


@pytest.fixture
def with_replica(settings):
    settings.DATABASE_REPLICA = True  # as when DATABASE_REPLICA_URL is set


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-test-password")
    client.force_login(user)
    return client


def reads(alias: str, table: str, queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT") and table in q["sql"]]


def test_an_admin_list_reads_its_rows_from_the_replica(with_replica, staff, player):
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        response = staff.get("/admin/casino/player/")

    assert response.status_code == 200 and player.external_id in response.text
    assert reads("replica", '"casino_player"', replica.captured_queries)
    assert not reads("default", '"casino_player"', primary.captured_queries)


def test_an_admin_change_page_and_a_money_call_read_from_the_primary(with_replica, staff, native, call, player):
    with CaptureQueriesContext(connections["replica"]) as replica:
        page = staff.get(f"/admin/casino/player/{player.pk}/change/")
        bet = native.post("bet", call("bet", transaction_id="b-1", amount=100))

    assert page.status_code == 200 and bet.status_code == 200
    assert replica.captured_queries == []


def test_reads_go_to_the_replica_only_inside_the_context_and_writes_never(with_replica, player):
    with reads_from_replica():
        assert Player.objects.all().db == "replica"
        created = Player.objects.create(external_id="written-inside")
    assert Player.objects.all().db == "default"
    assert created._state.db == "default"


def test_without_a_replica_the_context_keeps_reads_on_the_primary(player):
    with reads_from_replica():
        assert Player.objects.all().db == "default"

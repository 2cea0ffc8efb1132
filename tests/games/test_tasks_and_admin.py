"""Beat scheduling of catalog syncs, the Celery task, and the catalog's admin pages."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from casino.celery import app
from games.models import CatalogSyncRun, Game
from games.services import aggregator_create
from games.tasks import aggregators_due_for_sync, sync_catalog, sync_due_catalogs


def test_an_aggregator_never_synced_is_due_and_one_synced_recently_is_not(sandbox):
    assert aggregators_due_for_sync() == [sandbox.pk]

    CatalogSyncRun.objects.create(aggregator=sandbox)

    assert aggregators_due_for_sync() == []


@override_settings(CATALOG_SYNC_INTERVAL_SECONDS=3600)
def test_the_interval_is_per_aggregator_with_the_site_default(sandbox):
    CatalogSyncRun.objects.create(aggregator=sandbox, started_at=timezone.now() - timedelta(minutes=30))
    assert aggregators_due_for_sync() == []

    sandbox.catalog_sync_interval_seconds = 600
    sandbox.save()

    assert aggregators_due_for_sync() == [sandbox.pk]


def test_inactive_aggregators_and_those_without_an_api_are_never_due(sandbox, aggregator):
    sandbox.is_active = False
    sandbox.save()

    assert aggregators_due_for_sync() == []  # `aggregator` (acme) has no api_base_url


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_the_beat_task_syncs_every_due_aggregator(sandbox, eager):
    queued = sync_due_catalogs.apply().get()

    assert queued == [sandbox.pk]
    run = CatalogSyncRun.objects.get(aggregator=sandbox)
    assert run.status == CatalogSyncRun.Status.SUCCEEDED and run.added == 3
    assert sync_due_catalogs.apply().get() == []  # not due again until its interval has passed


def test_the_sync_task_takes_an_id_and_is_safe_to_run_twice(sandbox):
    first = sync_catalog.apply(args=[sandbox.pk]).get()
    second = sync_catalog.apply(args=[sandbox.pk]).get()

    assert (first["status"], first["added"]) == ("succeeded", 3)
    assert (second["status"], second["added"], second["changed"]) == ("succeeded", 0, 0)
    assert Game.objects.count() == 3


def test_a_sync_of_a_protocol_without_a_client_fails_clearly(db, monkeypatch):
    from games.clients import CLIENTS

    monkeypatch.delitem(CLIENTS, "hub88", raising=False)
    hub = aggregator_create(code="hub", protocol="hub88", api_base_url="http://127.0.0.1:9", public_key_pem="x")

    result = sync_catalog.apply(args=[hub.pk]).get()

    assert result["status"] == "failed" and "hub88" in result["errors"]


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model", ["games_game", "games_provider", "games_certification", "games_catalogsyncrun", "casino_aggregator"]
)
def test_the_catalog_pages_open_for_staff(staff_client, synced, model):
    assert staff_client.get(reverse(f"admin:{model}_changelist")).status_code == 200


def test_games_are_searchable_by_internal_id_and_by_a_previous_code(staff_client, synced, sync, catalog_server):
    game = Game.objects.get(external_id="sbx-0001")
    catalog_server.rename("sbx-0001", "sbx_renamed")
    sync()
    url = reverse("admin:games_game_changelist")

    by_id = staff_client.get(url, {"q": str(game.pk)}).content.decode()
    by_old_code = staff_client.get(url, {"q": "sbx_game_1"}).content.decode()
    page = staff_client.get(reverse("admin:games_game_change", args=[game.pk])).content.decode()

    assert "sbx_renamed" in by_id and "Game 2" not in by_id
    assert "sbx_renamed" in by_old_code
    assert "sbx_game_1" in page and "previous codes" in page.lower()


def test_sync_runs_show_their_counts_and_errors(staff_client, synced, sync, catalog_server):
    catalog_server.answer_next(400, body="bad request")
    sync()

    page = staff_client.get(reverse("admin:games_catalogsyncrun_changelist")).content.decode()

    assert "failed" in page and "400" in page and "succeeded" in page


def test_the_sync_catalog_now_action_runs_a_sync(staff_client, sandbox, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:casino_aggregator_changelist"),
            {"action": "sync_catalog_now", "_selected_action": [sandbox.pk]},
            follow=True,
        )

    assert "Catalog sync queued" in response.content.decode()
    assert CatalogSyncRun.objects.get(aggregator=sandbox).added == 3


def test_staff_can_block_a_game_and_the_change_is_audited(staff_client, synced):
    game = Game.objects.get(external_id="sbx-0001")
    url = reverse("admin:games_game_change", args=[game.pk])
    form = {
        "blocked_by_staff": "on",
        "certifications-TOTAL_FORMS": "2",
        "certifications-INITIAL_FORMS": "2",
        "certifications-MIN_NUM_FORMS": "0",
        "certifications-MAX_NUM_FORMS": "1000",
        "code_aliases-TOTAL_FORMS": "0",
        "code_aliases-INITIAL_FORMS": "0",
        "code_aliases-MIN_NUM_FORMS": "0",
        "code_aliases-MAX_NUM_FORMS": "1000",
    }
    for i, cert in enumerate(game.certifications.order_by("pk")):
        form.update(
            {
                f"certifications-{i}-id": cert.pk,
                f"certifications-{i}-game": game.pk,
                f"certifications-{i}-country": cert.country,
                f"certifications-{i}-rtp_profile": cert.rtp_profile,
                f"certifications-{i}-build_hash": cert.build_hash,
            }
        )

    response = staff_client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    game.refresh_from_db()
    assert game.blocked_by_staff
    assert game.history.first().history_user.username == "boss"


@pytest.fixture
def broker_unreachable():
    # A real connection refused (nothing listens on port 9), not a mock: the Celery app's
    # producer pool is rebuilt for the closed port, and for the real broker afterwards.
    configured = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url = configured
    app._pool = None
    app.amqp._producer_pool = None


def test_the_sync_catalog_now_action_says_so_when_the_task_queue_is_unreachable(
    staff_client, sandbox, broker_unreachable, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:casino_aggregator_changelist"),
            {"action": "sync_catalog_now", "_selected_action": [sandbox.pk]},
            follow=True,
        )

    assert response.status_code == 200
    page = response.content.decode()
    assert "not (fully) queued" in page and "task queue is unreachable" in page
    assert "Catalog sync queued" not in page
    assert not CatalogSyncRun.objects.exists()

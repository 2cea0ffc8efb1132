"""Catalog sync against an aggregator served over real HTTP (tests/games/catalog_server.py)."""

from decimal import Decimal

import pytest

from casino.outbound import RetryPolicy
from games.catalog import catalog_sync
from games.models import CatalogSyncRun, Certification, Game, GameCodeAlias, Provider
from games.selectors import game_resolve_code
from tests.games.catalog_server import game_json


def codes(aggregator, **filters) -> set[str]:
    return set(Game.objects.filter(aggregator=aggregator, **filters).values_list("code", flat=True))


def test_a_first_sync_adds_every_listed_game_with_its_provider_and_certifications(sandbox, sync):
    run = sync()

    assert run.status == CatalogSyncRun.Status.SUCCEEDED
    assert (run.listed, run.added, run.changed, run.disabled) == (3, 3, 0, 0)
    game = Game.objects.get(aggregator=sandbox, external_id="sbx-0001")
    assert game.code == "sbx_game_1" and game.name == "Game 1" and game.category == "slots"
    assert game.rtp == Decimal("96.50") and game.demo_supported and game.enabled
    assert game.provider == Provider.objects.get(aggregator=sandbox, code="sandbox-studio")
    assert set(game.certifications.values_list("country", "rtp_profile", "build_hash")) == {
        ("MT", "96.50", "b0001"),
        ("DE", "96.50", "b0001"),
    }
    assert not Game.objects.get(external_id="sbx-0003").demo_supported


def test_the_catalog_request_is_signed_with_the_aggregator_key_over_an_empty_body(sandbox, sync, catalog_server):
    sync()

    headers = catalog_server.requests[-1]
    assert headers["X-Aggregator-Key"] == sandbox.key_id
    assert catalog_server.signature_ok(headers)


def test_a_wrong_secret_is_refused_by_the_aggregator_and_the_run_says_so(sandbox, sync):
    sandbox.signing_secret = "not-the-secret"
    sandbox.save()

    run = sync()

    assert run.status == CatalogSyncRun.Status.FAILED
    assert "401" in run.errors
    assert not Game.objects.exists()


def test_syncing_the_same_list_twice_changes_nothing(sandbox, synced, sync):
    history_before = Game.history.count()

    run = sync()

    assert (run.added, run.changed, run.renamed, run.disabled) == (0, 0, 0, 0)
    assert Game.history.count() == history_before


def test_a_renamed_game_keeps_its_internal_id_and_its_old_code_still_resolves(sandbox, synced, sync, catalog_server):
    before = Game.objects.get(external_id="sbx-0001")
    catalog_server.rename("sbx-0001", "sbx_game_1_deluxe")

    run = sync()

    after = Game.objects.get(external_id="sbx-0001")
    assert after.pk == before.pk
    assert after.code == "sbx_game_1_deluxe"
    assert (run.added, run.changed, run.renamed, run.disabled) == (0, 1, 1, 0)
    alias = GameCodeAlias.objects.get(game=after)
    assert (alias.code, alias.replaced_by) == ("sbx_game_1", "sbx_game_1_deluxe")
    assert game_resolve_code(aggregator=sandbox, code="sbx_game_1") == after
    assert game_resolve_code(aggregator=sandbox, code="sbx_game_1_deluxe") == after
    assert after.history.first().code == "sbx_game_1_deluxe"  # the rename is in the audit history


def test_two_games_swapping_codes_in_one_sync_keep_their_ids(sandbox, synced, sync, catalog_server):
    one, two = Game.objects.get(external_id="sbx-0001"), Game.objects.get(external_id="sbx-0002")
    catalog_server.rename("sbx-0001", "sbx_game_2")
    catalog_server.rename("sbx-0002", "sbx_game_1")

    run = sync()

    assert run.status == CatalogSyncRun.Status.SUCCEEDED, run.errors
    assert Game.objects.get(pk=one.pk).code == "sbx_game_2"
    assert Game.objects.get(pk=two.pk).code == "sbx_game_1"
    assert run.renamed == 2


def test_a_removed_game_is_disabled_not_deleted_and_comes_back_when_listed_again(sandbox, synced, sync, catalog_server):
    removed = catalog_server.games[1]
    catalog_server.remove("sbx-0002")

    gone = sync()
    game = Game.objects.get(external_id="sbx-0002")

    assert (gone.added, gone.changed, gone.disabled) == (0, 0, 1)
    assert not game.enabled and game.disabled_at is not None
    assert codes(sandbox, enabled=True) == {"sbx_game_1", "sbx_game_3"}

    catalog_server.games.append(removed)
    back = sync()
    game.refresh_from_db()

    assert (back.added, back.changed, back.disabled) == (0, 1, 0)
    assert game.enabled and game.disabled_at is None
    assert Game.objects.count() == 3


def test_a_game_listed_as_disabled_is_disabled(sandbox, synced, sync, catalog_server):
    catalog_server.games[0]["enabled"] = False

    run = sync()

    assert run.disabled == 1
    assert not Game.objects.get(external_id="sbx-0001").enabled


def test_a_new_game_may_take_the_code_of_a_removed_one(sandbox, synced, sync, catalog_server):
    old = Game.objects.get(external_id="sbx-0002")
    catalog_server.remove("sbx-0002")
    catalog_server.games.append(game_json(9, code="sbx_game_2"))

    run = sync()

    assert run.status == CatalogSyncRun.Status.SUCCEEDED, run.errors
    new = Game.objects.get(external_id="sbx-0009")
    old.refresh_from_db()
    assert new.code == "sbx_game_2" and new.enabled
    assert not old.enabled and old.code != "sbx_game_2"
    assert game_resolve_code(aggregator=sandbox, code="sbx_game_2") == new  # the current holder wins
    assert GameCodeAlias.objects.filter(game=old, code="sbx_game_2").exists()


def test_certifications_follow_the_aggregator_and_staff_ones_stay(sandbox, synced, sync, catalog_server):
    game = Game.objects.get(external_id="sbx-0001")
    Certification.objects.create(game=game, country="SE", rtp_profile="94.00", build_hash="staff-entered")
    catalog_server.games[0]["certifications"] = [{"country": "MT", "rtp_profile": "96.50", "build_hash": "b9999"}]

    run = sync()

    assert run.changed == 1
    assert set(game.certifications.values_list("country", "build_hash")) == {("MT", "b9999"), ("SE", "staff-entered")}


def test_a_staff_block_survives_sync(sandbox, synced, sync, catalog_server):
    Game.objects.filter(external_id="sbx-0001").update(blocked_by_staff=True)
    catalog_server.games[0]["name"] = "Game One"

    sync()

    game = Game.objects.get(external_id="sbx-0001")
    assert game.name == "Game One" and game.blocked_by_staff
    assert not Game.objects.available().filter(pk=game.pk).exists()


def test_a_429_is_retried_after_the_time_retry_after_asks_for(sandbox, sync, sleeps, catalog_server):
    catalog_server.answer_next(429, headers={"Retry-After": "7"})
    catalog_server.answer_next(429, headers={"Retry-After": "3"})

    run = sync()

    assert run.status == CatalogSyncRun.Status.SUCCEEDED
    assert sleeps == [7.0, 3.0]
    assert len(catalog_server.requests) == 3
    assert run.added == 3


def test_server_errors_back_off_with_jitter_then_give_up_and_the_run_records_it(
    sandbox, synced, sync, sleeps, catalog_server
):
    for _ in range(4):
        catalog_server.answer_next(503, body="busy")
    requests_before = len(catalog_server.requests)

    run = sync(policy=RetryPolicy(attempts=4, base_delay=0.5))

    assert run.status == CatalogSyncRun.Status.FAILED
    assert "503" in run.errors and "4 attempts" in run.errors
    assert len(catalog_server.requests) - requests_before == 4
    assert len(sleeps) == 3
    assert all(0 <= wait <= 0.5 * 2**n for n, wait in enumerate(sleeps))
    assert codes(sandbox, enabled=True) == {"sbx_game_1", "sbx_game_2", "sbx_game_3"}  # nothing disabled


def test_a_temporary_failure_then_success_is_one_successful_run(sandbox, sync, sleeps, catalog_server):
    catalog_server.answer_next(502)

    run = sync()

    assert run.status == CatalogSyncRun.Status.SUCCEEDED and run.added == 3
    assert len(sleeps) == 1


def test_a_malformed_catalog_changes_nothing(sandbox, synced, sync, catalog_server):
    del catalog_server.games[0]["code"]

    run = sync()

    assert run.status == CatalogSyncRun.Status.FAILED
    assert "entry 0" in run.errors
    assert codes(sandbox, enabled=True) == {"sbx_game_1", "sbx_game_2", "sbx_game_3"}


def test_an_empty_list_does_not_wipe_the_catalog(sandbox, synced, sync, catalog_server):
    catalog_server.games = []

    run = sync()

    assert run.status == CatalogSyncRun.Status.FAILED
    assert "no games" in run.errors
    assert Game.objects.filter(enabled=True).count() == 3


def test_an_unreachable_aggregator_fails_the_run_without_touching_the_catalog(sandbox, synced, sleeps):
    sandbox.api_base_url = "http://127.0.0.1:9"  # discard port: nothing listens
    sandbox.save()
    from games.clients.native import NativeClient

    client = NativeClient(sandbox, policy=RetryPolicy(attempts=2, timeout=1), sleep=sleeps)
    run = catalog_sync(aggregator_id=sandbox.pk, client=client)

    assert run.status == CatalogSyncRun.Status.FAILED
    assert Game.objects.filter(enabled=True).count() == 3


@pytest.mark.parametrize("field", ["demo", "rtp"])
def test_a_changed_attribute_is_counted_as_a_change(sandbox, synced, sync, catalog_server, field):
    catalog_server.games[0][field] = {"demo": False, "rtp": "94.10"}[field]

    run = sync()

    assert run.changed == 1
    game = Game.objects.get(external_id="sbx-0001")
    assert (not game.demo_supported) if field == "demo" else game.rtp == Decimal("94.10")


def test_any_client_failure_is_recorded_and_never_leaves_the_run_running(sandbox, synced):
    class BrokenClient:
        def fetch_catalog(self):
            raise RuntimeError("the protocol's own error")

    run = catalog_sync(aggregator_id=sandbox.pk, client=BrokenClient())

    assert run.status == CatalogSyncRun.Status.FAILED and run.finished_at is not None
    assert "the protocol's own error" in run.errors
    assert Game.objects.filter(enabled=True).count() == 3

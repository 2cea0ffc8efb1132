"""Cool-off and self-exclusion: started, extended, a cool-off shortened only after the cooling
period, never a self-exclusion lifted (by the service or by the database), ends recorded, and
the former player status migrated."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from casino.models import Player
from compliance.models import RgEvent, RgExclusion
from compliance.rg.exclusion_services import (
    ExclusionRefused,
    cool_off_shorten,
    exclusion_start,
    exclusions_end_due,
)
from compliance.rg.exclusions import COOL_OFF, SELF_EXCLUSION, exclusion_refusal

DAY = timedelta(days=1)


def events(player) -> list[str]:
    return list(RgEvent.objects.filter(player=player).order_by("created_at", "id").values_list("kind", flat=True))


def test_a_self_exclusion_keeps_its_term_and_is_recorded(alice, admin_user):
    exclusion = exclusion_start(player=alice, kind=SELF_EXCLUSION, term="P1Y", staff=admin_user)

    assert (exclusion.term, exclusion.source, exclusion.staff) == ("P1Y", "staff", admin_user)
    assert exclusion.ends_at.date() == (exclusion.starts_at + timedelta(days=365)).date()
    event = RgEvent.objects.get(player=alice)
    assert (event.kind, event.staff, event.detail["term"]) == ("self_exclusion_started", admin_user, "P1Y")
    assert exclusion_refusal(alice.pk, timezone.now()).rg_reason == "SELF_EXCLUDED"


def test_a_longer_exclusion_extends_and_a_shorter_one_is_refused(alice):
    first = exclusion_start(player=alice, kind=SELF_EXCLUSION, term="P1Y")

    with pytest.raises(ExclusionRefused, match="must end later"):
        exclusion_start(player=alice, kind=SELF_EXCLUSION, term="P6M")
    exclusion_start(player=alice, kind=SELF_EXCLUSION, term="permanent")

    first.refresh_from_db()
    assert first.term == "P1Y"  # the first term stays as chosen, for the regulator's export
    assert events(alice) == ["self_exclusion_started", "self_exclusion_extended"]
    with pytest.raises(ExclusionRefused, match="with no end"):
        exclusion_start(player=alice, kind=SELF_EXCLUSION, term="P5Y")


def test_a_cool_off_during_a_self_exclusion_is_refused_as_changing_nothing(alice):
    exclusion_start(player=alice, kind=SELF_EXCLUSION, term="P6M")

    with pytest.raises(ExclusionRefused, match="self-excluded"):
        exclusion_start(player=alice, kind=COOL_OFF, term="P7D")


def test_a_cool_off_asked_to_end_now_ends_only_after_the_cooling_period(alice, settings):
    # Given a player in a 4-week cool-off
    settings.RG_LOOSEN_DELAY_SECONDS = 24 * 3600
    now = timezone.now()
    exclusion_start(player=alice, kind=COOL_OFF, term="P28D", at=now)

    # When they ask to end it at once
    ends_at = cool_off_shorten(player=alice, at=now)

    # Then it ends 24 hours later, and holds until then
    assert ends_at == now + DAY
    assert exclusion_refusal(alice.pk, now + DAY - timedelta(seconds=1)).rg_reason == "COOL_OFF"
    assert exclusion_refusal(alice.pk, now + DAY) is None
    event = RgEvent.objects.get(player=alice, kind="cool_off_shortened")
    assert event.detail["ends_at"] == (now + DAY).isoformat()
    assert event.detail["previous_ends_at"] == (now + 28 * DAY).isoformat()


def test_a_cool_off_ending_sooner_than_the_cooling_period_cannot_be_shortened(alice):
    now = timezone.now()
    exclusion_start(player=alice, kind=COOL_OFF, term="P1D", at=now - timedelta(hours=2))

    with pytest.raises(ExclusionRefused, match="cooling period"):
        cool_off_shorten(player=alice, at=now)


def test_there_is_no_way_to_shorten_a_self_exclusion_through_the_services(alice):
    exclusion_start(player=alice, kind=SELF_EXCLUSION, term="P6M")

    with pytest.raises(ExclusionRefused, match="not in a cool-off"):
        cool_off_shorten(player=alice)


@pytest.mark.parametrize(
    "change",
    [
        {"ends_at": timezone.now()},  # lifted
        {"ends_at": timezone.now() + 400 * DAY},  # moved (an extension is a new row)
        {"kind": COOL_OFF},
        {"term": "P1D"},
    ],
)
def test_the_database_refuses_any_change_to_a_self_exclusion(alice, change):
    exclusion = exclusion_start(player=alice, kind=SELF_EXCLUSION, term="P6M")

    with pytest.raises(IntegrityError, match="rg exclusion"), transaction.atomic():
        RgExclusion.objects.filter(pk=exclusion.pk).update(**change)


def test_the_database_refuses_to_delete_an_exclusion_or_end_a_cool_off_in_the_past(alice):
    exclusion = exclusion_start(player=alice, kind=COOL_OFF, term="P7D")

    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic():
        RgExclusion.objects.filter(pk=exclusion.pk).delete()
    with pytest.raises(IntegrityError, match="ended already"), transaction.atomic():
        RgExclusion.objects.filter(pk=exclusion.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert RgExclusion.objects.get(pk=exclusion.pk).ends_at == exclusion.ends_at


def test_the_end_of_an_exclusion_is_recorded_once_and_an_extended_one_does_not_end(alice, settings):
    # Given a cool-off extended by a longer one, and (for another player) a cool-off alone
    start = timezone.now() - 3 * DAY
    exclusion_start(player=alice, kind=COOL_OFF, term="P1D", at=start)
    exclusion_start(player=alice, kind=COOL_OFF, term="P7D", at=start + timedelta(hours=1))
    bob = Player.objects.create(external_id="bob")
    exclusion_start(player=bob, kind=COOL_OFF, term="P2D", at=start)

    # When the task runs, twice
    first, second = exclusions_end_due(), exclusions_end_due()

    # Then bob's cool-off ended, once; alice's goes on
    assert (first, second) == (1, 0)
    assert events(bob) == ["cool_off_started", "cool_off_ended"]
    assert events(alice) == ["cool_off_started", "cool_off_extended"]


def test_the_former_self_excluded_status_becomes_a_legacy_exclusion_with_no_end(alice):
    # Given a player whose status says self-excluded, as before this change
    Player.objects.filter(pk=alice.pk).update(status="self_excluded")
    migration = __import__("compliance.migrations.0004_self_excluded_status_to_exclusion", fromlist=["forward"])

    # When the data migration runs
    migration.forward(apps, None)

    # Then the status is active and an exclusion with no end keeps them away
    alice.refresh_from_db()
    exclusion = RgExclusion.objects.get(player=alice)
    assert alice.status == "active"
    assert (exclusion.kind, exclusion.term, exclusion.ends_at, exclusion.source) == (
        "self_exclusion",
        "legacy",
        None,
        "migration",
    )
    assert exclusion_refusal(alice.pk, timezone.now() + 3650 * DAY).rg_reason == "SELF_EXCLUDED"
    assert events(alice) == ["self_exclusion_started"]

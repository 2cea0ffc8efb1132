"""Compliance staff in the admin: they see exclusions, register checks and RG events, and start
or extend an exclusion; no admin path (edit, history revert, bulk action) loosens one."""

import pytest
from django.urls import NoReverseMatch, reverse

from casino.models import Player
from compliance.models import RgEvent, RgExclusion
from compliance.rg.exclusion_services import exclusion_start


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_staff_start_a_self_exclusion_recorded_with_their_name(staff, alice, admin_user):
    response = staff.post(
        reverse("admin:compliance_rgexclusion_add"), {"player": alice.pk, "choice": "self_exclusion:P5Y"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    exclusion = RgExclusion.objects.get(player=alice)
    assert (exclusion.term, exclusion.source, exclusion.staff) == ("P5Y", "staff", admin_user)
    assert RgEvent.objects.get(player=alice).staff == admin_user


def test_staff_cannot_start_a_shorter_exclusion_than_the_one_in_force(staff, alice):
    exclusion_start(player=alice, kind="self_exclusion", term="P1Y")

    response = staff.post(
        reverse("admin:compliance_rgexclusion_add"), {"player": alice.pk, "choice": "self_exclusion:P6M"}
    )

    assert response.status_code == 200 and "must end later" in response.content.decode()
    assert RgExclusion.objects.filter(player=alice).count() == 1


def test_the_edit_form_of_an_exclusion_changes_nothing(staff, alice):
    exclusion = exclusion_start(player=alice, kind="self_exclusion", term="P6M")
    change = reverse("admin:compliance_rgexclusion_change", args=[exclusion.pk])

    page = staff.get(change)
    posted = staff.post(change, {"player": alice.pk, "choice": "cool_off:P1D", "ends_at_0": "2020-01-01"})

    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    assert RgExclusion.objects.get(pk=exclusion.pk).ends_at == exclusion.ends_at


def test_no_bulk_action_deletes_exclusions(staff, alice):
    exclusion_start(player=alice, kind="cool_off", term="P7D")
    changelist = reverse("admin:compliance_rgexclusion_changelist")

    page = staff.get(changelist)
    staff.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [str(e.pk) for e in RgExclusion.objects.all()],
            "post": "yes",
        },
    )

    assert "delete_selected" not in page.content.decode()
    assert RgExclusion.objects.filter(player=alice).count() == 1


def test_an_exclusion_has_no_history_version_to_revert_to(staff, alice):
    exclusion = exclusion_start(player=alice, kind="cool_off", term="P7D")

    # (the player's RG events are its history: read-only, on the exclusion's page)
    with pytest.raises(NoReverseMatch):
        reverse("admin:compliance_rgexclusion_simple_history", args=[exclusion.pk, 1])


def test_reverting_a_player_to_the_former_self_excluded_status_is_refused_and_lifts_nothing(staff, alice):
    # Given a player whose history has a version with the former status, now a legacy exclusion
    Player.objects.filter(pk=alice.pk).update(status="self_excluded")
    old = Player.history.model.objects.create(
        id=alice.pk,
        external_id="alice",
        status="self_excluded",
        country="MT",
        kyc_status="none",
        created_at=alice.created_at,
        history_date=alice.created_at,
        history_type="~",
    )
    __import__("compliance.migrations.0004_self_excluded_status_to_exclusion", fromlist=["f"]).forward(
        __import__("django.apps", fromlist=["apps"]).apps, None
    )

    # When staff revert the player to that version, or edit their status freely
    revert = staff.post(
        reverse("admin:casino_player_simple_history", args=[alice.pk, old.history_id]),
        {"external_id": "alice", "status": "self_excluded", "country": "MT", "kyc_status": "none"},
    )
    wallets = alice.wallets.count()  # the page's wallet inline, unchanged
    edit = staff.post(
        reverse("admin:casino_player_change", args=[alice.pk]),
        {
            "external_id": "alice",
            "status": "active",
            "country": "MT",
            "kyc_status": "none",
            "wallets-TOTAL_FORMS": str(wallets),
            "wallets-INITIAL_FORMS": str(wallets),
            **{f"wallets-{i}-id": str(w.pk) for i, w in enumerate(alice.wallets.order_by("pk"))},
            **{f"wallets-{i}-player": str(alice.pk) for i in range(wallets)},
        },
    )

    # Then the revert is refused (no such status), the edit saves, and the exclusion holds
    assert revert.status_code == 200 and "not one of the available choices" in revert.content.decode()
    assert edit.status_code == 302
    alice.refresh_from_db()
    assert alice.status == "active"
    assert RgExclusion.objects.get(player=alice).ends_at is None


def test_deleting_a_player_with_an_exclusion_is_refused(staff, alice):
    exclusion_start(player=alice, kind="self_exclusion", term="permanent")

    staff.post(
        reverse("admin:casino_player_changelist"),
        {"action": "delete_selected", "_selected_action": [str(alice.pk)], "post": "yes"},
    )

    assert Player.objects.filter(pk=alice.pk).exists()
    assert RgExclusion.objects.filter(player=alice).exists()


@pytest.mark.parametrize("model", ["rgexclusion", "rgevent", "registercheck"])
def test_the_rg_pages_open_and_events_are_read_only(staff, alice, model):
    exclusion = exclusion_start(player=alice, kind="cool_off", term="P7D")

    listing = staff.get(reverse(f"admin:compliance_{model}_changelist"), {"q": "alice"})
    page = staff.get(reverse("admin:compliance_rgexclusion_change", args=[exclusion.pk]))

    assert listing.status_code == 200
    assert "cool-off started" in page.content.decode()  # the player's events, on the exclusion's page
    assert staff.get(reverse("admin:compliance_rgevent_add")).status_code == 403

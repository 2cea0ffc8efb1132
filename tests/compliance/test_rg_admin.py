"""Staff see and set a player's limits in the admin, through the same service as the front end:
tighter at once, looser only after the delay; never edited in place or deleted."""

import pytest
from django.urls import reverse

from compliance.models import RgEvent, RgLimit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def add(staff_client, player, amount):
    return staff_client.post(
        reverse("admin:compliance_rglimit_add"),
        {"player": player.pk, "kind": "loss", "period": "day", "currency": "EUR", "new_amount": amount},
    )


def test_staff_tighten_at_once_and_loosen_only_after_the_delay(staff_client, player, admin_user):
    assert add(staff_client, player, 1_000).status_code == 302
    assert add(staff_client, player, 5_000).status_code == 302

    limit = RgLimit.objects.get(player=player)
    assert (limit.amount, limit.pending_amount) == (1_000, 5_000) and limit.pending_at is not None
    events = RgEvent.objects.filter(player=player).order_by("id")
    assert [e.kind for e in events] == ["limit_set", "limit_pending"]
    assert all(e.staff == admin_user for e in events)
    page = staff_client.get(reverse("admin:compliance_rglimit_change", args=[limit.pk]))
    assert page.status_code == 200 and b"limit loosening pending" in page.content


def test_a_limit_cannot_be_edited_in_place_or_deleted(staff_client, player):
    add(staff_client, player, 1_000)
    limit = RgLimit.objects.get(player=player)

    staff_client.post(
        reverse("admin:compliance_rglimit_change", args=[limit.pk]),
        {"player": player.pk, "kind": "loss", "period": "day", "currency": "EUR", "amount": 10**9},
    )
    deleted = staff_client.post(reverse("admin:compliance_rglimit_delete", args=[limit.pk]), {"post": "yes"})

    limit.refresh_from_db()
    assert limit.amount == 1_000
    assert deleted.status_code == 403


def test_a_money_limit_without_a_period_is_refused_with_a_message(staff_client, player):
    response = staff_client.post(
        reverse("admin:compliance_rglimit_add"),
        {"player": player.pk, "kind": "wager", "period": "", "currency": "EUR", "new_amount": 5},
    )

    assert response.status_code == 200 and b"needs a period" in response.content
    assert not RgLimit.objects.exists()

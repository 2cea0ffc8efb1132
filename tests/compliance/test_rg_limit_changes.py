"""Setting limits: tighter at once, looser (or lifted) only after the delay, shown as pending;
every step an RgEvent; the front-end API reads and sets them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import RgEvent, RgLimit
from compliance.rg.limits import rg_limit_set, rg_limits_apply_due, rg_limits_of
from tests.conftest import FRONTEND_KEY

pytestmark = pytest.mark.django_db
DAY = timedelta(hours=24)


def in_force(player, kind="loss", at=None):
    return next(v for v in rg_limits_of(player=player, at=at) if v.kind == kind)


def test_a_tighter_limit_applies_at_once_and_a_looser_one_a_day_later(player):
    t0 = timezone.now()
    rg_limit_set(player=player, kind="loss", period="day", currency="EUR", amount=1_000, at=t0)
    rg_limit_set(player=player, kind="loss", period="day", currency="EUR", amount=500, at=t0)

    row = rg_limit_set(player=player, kind="loss", period="day", currency="EUR", amount=2_000, at=t0)

    assert (row.amount, row.pending_amount, row.pending_at) == (500, 2_000, t0 + DAY)
    view = in_force(player, at=t0 + DAY - timedelta(seconds=1))
    assert (view.amount, view.pending_amount) == (500, 2_000)
    # time moves on: the loosening is applied, and recorded as such
    view = in_force(player, at=t0 + DAY)
    assert (view.amount, view.pending_amount, view.pending_at) == (2_000, None, None)
    kinds = list(RgEvent.objects.filter(player=player).order_by("id").values_list("kind", flat=True))
    assert kinds == ["limit_set", "limit_set", "limit_pending", "limit_applied"]


def test_lifting_a_limit_is_pending_and_tightening_meanwhile_cancels_it(player):
    t0 = timezone.now()
    rg_limit_set(player=player, kind="wager", period="week", currency="EUR", amount=1_000, at=t0)
    lifted = rg_limit_set(player=player, kind="wager", period="week", currency="EUR", amount=None, at=t0)
    assert lifted.amount == 1_000 and lifted.pending_at == t0 + DAY

    kept = rg_limit_set(player=player, kind="wager", period="week", currency="EUR", amount=900, at=t0 + DAY / 2)

    assert (kept.amount, kept.pending_at) == (900, None)
    assert rg_limits_apply_due(at=t0 + 2 * DAY) == 0


def test_the_periodic_apply_lifts_a_due_limit(player):
    t0 = timezone.now()
    rg_limit_set(player=player, kind="deposit", period="month", currency="EUR", amount=1_000, at=t0)
    rg_limit_set(player=player, kind="deposit", period="month", currency="EUR", amount=None, at=t0)

    assert rg_limits_apply_due(at=t0 + DAY) == 1

    assert RgLimit.objects.get(player=player).amount is None
    assert rg_limits_of(player=player, at=t0 + DAY) == []


def test_the_api_sets_a_limit_and_reads_it_back_with_its_use(client, player):
    auth = {"Authorization": f"Bearer {FRONTEND_KEY}"}
    url = f"/api/v1/players/{player.external_id}/rg/limits"

    set_ = client.post(
        url, {"kind": "loss", "period": "day", "currency": "EUR", "amount": 5_000}, "application/json", headers=auth
    )
    looser = client.post(
        url, {"kind": "loss", "period": "day", "currency": "EUR", "amount": 9_000}, "application/json", headers=auth
    )
    read = client.get(url, headers=auth)

    assert set_.status_code == 200 and set_.json()["status"] == "applied"
    assert looser.json()["status"] == "pending" and looser.json()["limit"]["pending_amount"] == 9_000
    (limit,) = read.json()["limits"]
    assert (limit["amount"], limit["pending_amount"], limit["used"]) == (5_000, 9_000, 0)
    assert read.json()["time_zone"] == "Europe/Malta"


def test_the_api_refuses_a_money_limit_without_a_currency_and_a_stranger(client, player):
    auth = {"Authorization": f"Bearer {FRONTEND_KEY}"}

    bad = client.post(
        f"/api/v1/players/{player.external_id}/rg/limits",
        {"kind": "wager", "period": "day", "amount": 1},
        "application/json",
        headers=auth,
    )
    unknown = client.get("/api/v1/players/nobody/rg/limits", headers=auth)
    anonymous = client.get(f"/api/v1/players/{player.external_id}/rg/limits")

    assert bad.status_code == 400 and bad.json()["code"] == "VALIDATION_ERROR"
    assert unknown.status_code == 404 and unknown.json()["code"] == "PLAYER_NOT_FOUND"
    assert anonymous.status_code == 401

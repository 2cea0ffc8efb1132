from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from wallet.models import GameRound
from wallet.tasks import report_stale_rounds


def test_an_open_round_idle_past_the_limit_is_reported_and_left_open(native, call, settings):
    settings.STALE_ROUND_AFTER_SECONDS = 3600
    native.post("bet", call("bet", transaction_id="b-old", round_id="r-old", amount=100))
    native.post("bet", call("bet", transaction_id="b-new", round_id="r-new", amount=100))
    native.post("bet", call("bet", transaction_id="b-done", round_id="r-done", amount=100, round_closed=True))
    two_hours_ago = timezone.now() - timedelta(hours=2)
    GameRound.objects.filter(external_id__in=["r-old", "r-done"]).update(last_activity_at=two_hours_ago)

    reported = report_stale_rounds()

    assert reported == ["acme:r-old (player-1)"]
    assert GameRound.objects.get(external_id="r-old").status == GameRound.Status.OPEN


def test_staff_can_list_stale_rounds_in_the_admin(admin_client, native, call, settings):
    settings.STALE_ROUND_AFTER_SECONDS = 3600
    native.post("bet", call("bet", transaction_id="b-old", round_id="r-old", amount=100))
    native.post("bet", call("bet", transaction_id="b-new", round_id="r-new", amount=100))
    GameRound.objects.filter(external_id="r-old").update(last_activity_at=timezone.now() - timedelta(hours=2))

    page = admin_client.get(reverse("admin:wallet_gameround_changelist"), {"stale": "yes"}).content.decode()

    assert "r-old" in page
    assert "r-new" not in page

"""Writes for players, and the clock skew recorded on aggregators."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from casino.models import Aggregator, Currency, Player

# The skew is written at most this often per aggregator: often enough to watch, rarely
# enough that the aggregator row never becomes a hot spot under load.
SKEW_RECORD_INTERVAL = timedelta(seconds=1)
# Above this, staff are alerted (the admin shows it red); go-live item 3.
SKEW_ALERT_SECONDS = 1.0


def player_create(*, external_id: str, country: str = "", status: str = Player.Status.ACTIVE) -> Player:
    player = Player(external_id=external_id, country=country.upper(), status=status)
    player.full_clean()
    with transaction.atomic():
        player.save()
    return player


def currency_get(code: str) -> Currency | None:
    return Currency.objects.filter(code=code.upper()).first()


def aggregator_record_skew(*, aggregator: Aggregator, skew: float) -> None:
    """Record `skew` (our clock minus the aggregator's, seconds) seen on a genuine request,
    unless this aggregator's skew was written less than SKEW_RECORD_INTERVAL ago.

    One UPDATE of two display columns, no lock: two processes racing here both write a value
    just seen, and either one is a true reading."""
    now = timezone.now()
    if aggregator.skew_observed_at and now - aggregator.skew_observed_at < SKEW_RECORD_INTERVAL:
        return
    Aggregator.objects.filter(pk=aggregator.pk).update(last_skew_seconds=round(skew, 3), skew_observed_at=now)
    # The instance may be a process's cached copy: it must know the skew was just written.
    aggregator.last_skew_seconds, aggregator.skew_observed_at = round(skew, 3), now

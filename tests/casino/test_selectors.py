"""What the wallet protocols read about aggregators, currencies, sessions and players
(casino/selectors.py), and the clock skew they record (casino/services.py)."""

from datetime import timedelta

from django.utils import timezone

from casino import selectors
from casino.models import Aggregator
from casino.selectors import active_aggregator, currency_exponent, launched_player_country, session_currency
from casino.services import SKEW_RECORD_INTERVAL, aggregator_record_skew
from games.services import aggregator_create
from tests.conftest import KEY_ID, make_player


def test_an_active_aggregator_is_found_by_key_id_only_for_its_own_protocol(aggregator):
    assert active_aggregator(protocol=Aggregator.Protocol.NATIVE, key_id=KEY_ID) == aggregator
    assert active_aggregator(protocol=Aggregator.Protocol.HUB88, key_id=KEY_ID) is None


def test_an_inactive_aggregator_is_not_found(aggregator):
    aggregator.is_active = False
    aggregator.save()

    assert active_aggregator(protocol=Aggregator.Protocol.NATIVE, code="acme") is None


def test_a_key_id_holding_nul_finds_nothing_instead_of_failing_in_the_database(aggregator):
    # PostgreSQL refuses NUL in text: asked, it would raise a DatabaseError (a 503 RETRY).
    assert active_aggregator(protocol=Aggregator.Protocol.NATIVE, key_id=KEY_ID + "\x00") is None


def test_a_currency_exponent_is_read_once_then_remembered(db, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(selectors, "_exponents", {})

    with django_assert_num_queries(1):
        assert currency_exponent("EUR") == 2
        assert currency_exponent("EUR") == 2


def test_a_currency_we_do_not_hold_has_no_exponent_and_is_not_remembered(db, monkeypatch):
    monkeypatch.setattr(selectors, "_exponents", {})

    assert currency_exponent("XXX") is None
    assert "XXX" not in selectors._exponents


def test_a_session_currency_is_only_told_to_the_sessions_own_aggregator(session):
    other = aggregator_create(code="other", signing_secret="other-secret", key_id="other-key")

    assert session_currency(aggregator=session.aggregator, token=session.token) == "EUR"
    assert session_currency(aggregator=other, token=session.token) == ""


def test_a_player_country_is_only_told_to_an_aggregator_that_launched_them(session):
    other = aggregator_create(code="other", signing_secret="other-secret", key_id="other-key")
    make_player("never-launched")

    assert launched_player_country(aggregator=session.aggregator, external_id="player-1") == "MT"
    assert launched_player_country(aggregator=other, external_id="player-1") is None
    assert launched_player_country(aggregator=session.aggregator, external_id="never-launched") is None


def test_the_skew_is_written_at_most_once_per_interval(aggregator):
    aggregator_record_skew(aggregator=aggregator, skew=0.25)
    aggregator_record_skew(aggregator=aggregator, skew=9.0)  # within the interval: not written

    stored = Aggregator.objects.get(pk=aggregator.pk)
    assert stored.last_skew_seconds == aggregator.last_skew_seconds == 0.25

    aggregator.skew_observed_at = timezone.now() - SKEW_RECORD_INTERVAL - timedelta(milliseconds=1)
    aggregator_record_skew(aggregator=aggregator, skew=9.0)

    assert Aggregator.objects.get(pk=aggregator.pk).last_skew_seconds == 9.0

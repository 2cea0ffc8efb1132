"""The hand-written statements of compliance/rg/totals.py read and write what the ORM would."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from compliance.models import RgDayTotal, RgExclusion, RgLimit
from compliance.rg.exclusions import exclusion_refusal_from, exclusions_in_force
from compliance.rg.limits import rg_limit_set
from compliance.rg.periods import Period, operator_tz, period_start
from compliance.rg.state import LimitRow, Totals
from compliance.rg.totals import session_state_query, state_from, state_read, totals_add
from games.services import session_open
from tests.conftest import make_player

pytestmark = pytest.mark.django_db
AT = datetime(2026, 4, 8, 10, 0, tzinfo=UTC)  # a Wednesday


def test_the_upsert_creates_then_adds_to_one_row_the_days(player):
    totals_add(player_id=player.pk, currency="EUR", kind="bet", amount=500, at=AT)
    totals_add(player_id=player.pk, currency="EUR", kind="win", amount=200, at=AT)
    totals_add(player_id=player.pk, currency="EUR", kind="rollback", amount=100, at=AT)

    (row,) = RgDayTotal.objects.filter(player=player, currency_id="EUR", day__lte=AT)  # (the funding: today)
    assert row.day == period_start(Period.DAY, AT, operator_tz())
    assert (row.wagered, row.net_loss, row.deposited) == (400, 200, 0)


def test_the_read_gives_every_limit_and_sums_this_currencys_days_of_each_limited_period(player):
    RgLimit.objects.create(player=player, kind="loss", period="day", currency_id="EUR", amount=100)
    RgLimit.objects.create(player=player, kind="wager", period="week", currency_id="EUR", amount=500)
    RgLimit.objects.create(player=player, kind="loss", period="month", currency_id="USD", amount=900)
    RgLimit.objects.create(player=player, kind="session_time", amount=30, pending_amount=60, pending_at=AT)
    totals_add(player_id=player.pk, currency="EUR", kind="bet", amount=50, at=AT)
    totals_add(player_id=player.pk, currency="USD", kind="bet", amount=70, at=AT)  # another currency
    # Monday, when the week starts: this week's and month's, not today's
    totals_add(player_id=player.pk, currency="EUR", kind="bet", amount=9, at=datetime(2026, 4, 6, 10, tzinfo=UTC))
    # Last month, the week before: neither
    totals_add(player_id=player.pk, currency="EUR", kind="bet", amount=4, at=datetime(2026, 3, 31, 10, tzinfo=UTC))
    # A day after the one read (a read at an earlier time): not yet
    totals_add(player_id=player.pk, currency="EUR", kind="bet", amount=1_000, at=AT + timedelta(days=1))

    state = state_read(player_id=player.pk, currency="EUR", at=AT)

    assert set(state.limits) == {
        LimitRow("loss", "day", "EUR", 100, None, None),
        LimitRow("wager", "week", "EUR", 500, None, None),
        LimitRow("loss", "month", "USD", 900, None, None),
        LimitRow("session_time", "", None, 30, 60, AT),
    }
    assert state.totals == {
        "day": Totals(wagered=50, net_loss=50),
        "week": Totals(wagered=59, net_loss=59),
        "month": Totals(wagered=59, net_loss=59),
    }


def test_the_read_sums_only_the_periods_the_player_has_a_limit_of(player):
    RgLimit.objects.create(player=player, kind="loss", period="day", currency_id="EUR", amount=100)
    totals_add(player_id=player.pk, currency="EUR", kind="bet", amount=9, at=datetime(2026, 4, 6, 10, tzinfo=UTC))
    totals_add(player_id=player.pk, currency="EUR", kind="bet", amount=50, at=AT)

    assert state_read(player_id=player.pk, currency="EUR", at=AT).totals == {"day": Totals(wagered=50, net_loss=50)}


def test_the_read_finds_the_exclusions_in_force_the_orm_finds_at_their_edges(player):
    # Given exclusions ended, ending now, starting now, not yet started, and one with no end
    hour = timedelta(hours=1)
    for kind, term, starts_at, ends_at in (
        ("cool_off", "P1D", AT - 30 * hour, AT - 6 * hour),  # over
        ("cool_off", "P1D", AT - 24 * hour, AT),  # ends exactly now: over
        ("cool_off", "P2D", AT, AT + 48 * hour),  # starts exactly now: in force
        ("self_exclusion", "permanent", AT + hour, None),  # not yet
    ):
        RgExclusion.objects.create(
            player=player, kind=kind, term=term, starts_at=starts_at, ends_at=ends_at, source="player"
        )

    # When the bet's state is read at times around those edges
    for at in (AT, AT + 2 * hour, AT - 12 * hour, AT - 31 * hour):
        state = state_read(player_id=player.pk, currency="EUR", at=at)

        # Then its exclusion is the refusal the ORM's read of the exclusions in force gives
        assert state.exclusion == exclusion_refusal_from(exclusions_in_force(player_id=player.pk, at=at), at)
    assert state_read(player_id=player.pk, currency="EUR", at=AT).exclusion.rg_reason == "COOL_OFF"
    assert state_read(player_id=player.pk, currency="EUR", at=AT + 2 * hour).exclusion.rg_reason == "SELF_EXCLUDED"
    assert state_read(player_id=player.pk, currency="EUR", at=AT - 31 * hour).exclusion is None


def test_the_read_by_session_gives_what_the_read_by_player_gives(player, session):
    # Given a player with a limit, totals and a cool-off, on a real-money session
    rg_limit_set(player=player, kind="loss", period="day", currency="EUR", amount=1_000)
    totals_add(player_id=player.pk, currency="EUR", kind="bet", amount=50, at=AT)
    RgExclusion.objects.create(
        player=player, kind="cool_off", term="P1D", starts_at=AT, ends_at=AT + timedelta(days=1), source="player"
    )

    # When the bet's read is sent by the session's token (as the wallet sends it, with its lock)
    sql, params = session_state_query(session_token=session.token, aggregator_id=session.aggregator_id, at=AT)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        by_session = state_from(cursor.fetchall(), currency="EUR", at=AT)

    # Then it is the state the read by player gives
    assert by_session == state_read(player_id=player.pk, currency="EUR", at=AT)
    assert by_session.exclusion.rg_reason == "COOL_OFF" and by_session.totals["day"] == Totals(50, 50)


@pytest.mark.parametrize("who", ["a player without RG state", "a demo session"])
def test_the_read_by_session_finds_nothing_for_play_that_no_limit_counts(player, aggregator, session, who):
    if who == "a demo session":
        rg_limit_set(player=player, kind="loss", period="day", currency="EUR", amount=1_000)
        session = session_open(player=player, aggregator=aggregator, game_code="g", currency="EUR", mode="demo")
    else:  # totals and an exclusion row, but the player is not marked as having RG state
        totals_add(player_id=player.pk, currency="EUR", kind="bet", amount=50, at=AT)

    sql, params = session_state_query(session_token=session.token, aggregator_id=session.aggregator_id, at=AT)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchall() == []


def test_a_limited_players_bet_sends_no_more_statements_than_anyone_elses(native, call, player, session):
    # Given two players, one with a daily loss limit
    other = make_player("player-2")
    other_session = session_open(player=other, aggregator=session.aggregator, game_code="g", currency="EUR")
    rg_limit_set(player=player, kind="loss", period="day", currency="EUR", amount=1_000)

    # When each bets (after a first bet, so nothing is created for the first time)
    def statements_of_a_bet(token: str, player_id: str, n: int) -> list[str]:
        body = {**call("bet", transaction_id=f"b-{player_id}-{n}", amount=10, round_id=f"r-{player_id}-{n}")}
        body.update(session_token=token, player_id=player_id)
        sent: list[str] = []

        def count(execute, sql, params, many, context):
            sent.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            assert native.post("bet", body).status_code == 200
        return sent

    for n in (1, 2):
        limited = statements_of_a_bet(session.token, player.external_id, n)
        unlimited = statements_of_a_bet(other_session.token, other.external_id, n)

    # Then the limited player's bet reads its RG state and adds to its totals without a statement
    # of its own: the read goes with the lock's, the upsert in the write's one statement
    assert len(limited) == len(unlimited)
    assert sum(RgDayTotal._meta.db_table in sql for sql in limited) == 2
    assert RgDayTotal.objects.filter(player=player).latest("day").net_loss == 20

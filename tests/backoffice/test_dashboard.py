"""The dashboard (admin index) and the player page, through the admin as staff use it."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.urls import reverse

from casino.models import Player
from wallet.models import LedgerEntry, LedgerTransaction, MoneyMinute, RollupWatermark
from wallet.services.rollups import rollups_advance


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_superuser("lead", "lead@example.com", "a-long-test-password")
    client.force_login(user)
    return client


def play(native, call, *, rounds: int):
    for n in range(rounds):
        native.post("bet", call("bet", transaction_id=f"b-{n}", round_id=f"r-{n}", amount=300))
        native.post("win", call("win", transaction_id=f"w-{n}", round_id=f"r-{n}", amount=200, round_closed=True))


def ledger_sum(kind: str) -> int:
    return (
        LedgerEntry.objects.filter(transaction__kind=kind, transaction__mode="real", wallet__isnull=False).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )


def test_the_dashboard_shows_turnover_wins_and_ggr_as_the_ledger_has_them(staff_client, native, call):
    play(native, call, rounds=3)

    page = staff_client.get(reverse("admin:index")).content.decode()

    assert -ledger_sum("bet") == 900 and ledger_sum("win") == 600
    assert "9.00 EUR" in page and "6.00 EUR" in page and "3.00 EUR" in page  # turnover, wins, GGR
    assert 'id="chart-bets"' in page and "<svg" in page and 'id="chart-latency"' in page


def test_rolled_up_and_live_rows_add_up_to_the_same_figures(staff_client, native, call):
    play(native, call, rounds=2)
    rollups_advance(lag=__import__("datetime").timedelta(0))
    play_more = [native.post("bet", call("bet", transaction_id="b-late", round_id="r-late", amount=100))]

    page = staff_client.get(reverse("admin:index")).content.decode()

    assert play_more[0].status_code == 200
    assert MoneyMinute.objects.exists() and RollupWatermark.objects.get(source="wallet_ledgertransaction").last_id
    assert "7.00 EUR" in page  # 6.00 rolled up + 1.00 live


def test_advancing_the_rollups_twice_counts_nothing_twice(db, native, call):
    play(native, call, rounds=2)
    zero = __import__("datetime").timedelta(0)

    rollups_advance(lag=zero)
    rollups_advance(lag=zero)

    assert MoneyMinute.objects.aggregate(b=Sum("bet_amount"))["b"] == -ledger_sum("bet") == 600
    assert LedgerTransaction.objects.filter(kind="bet").count() == MoneyMinute.objects.aggregate(n=Sum("bets"))["n"]


def test_a_search_by_aggregator_transaction_id_opens_the_player_page_on_its_round(staff_client, native, call):
    play(native, call, rounds=2)

    response = staff_client.get(reverse("admin:player_find"), {"q": "w-1"}, follow=True)

    page = response.content.decode()
    assert response.status_code == 200 and "Player player-1" in page
    assert 'data-round="r-1"' in page and 'data-round="r-0"' not in page
    assert 'data-transaction="b-1"' in page and 'data-transaction="w-1"' in page


def test_a_search_by_email_and_an_unknown_query(staff_client, player):
    Player.objects.filter(pk=player.pk).update(email="someone@example.com")

    found = staff_client.get(reverse("admin:player_find"), {"q": "SomeOne@Example.com"}, follow=True)
    missing = staff_client.get(reverse("admin:player_find"), {"q": "nobody-here"})

    assert "Player player-1" in found.content.decode()
    assert "No player, transaction or round matches" in missing.content.decode()


def test_the_player_page_masks_session_tokens_and_pages_its_rounds(staff_client, native, call, session):
    play(native, call, rounds=25)

    url = reverse("admin:player_page", args=[session.player_id])
    page = staff_client.get(url).content.decode()
    older = re.search(r'href="\?before=(\d+)" id="older-rounds"', page)
    second = staff_client.get(url, {"before": older.group(1)}).content.decode()

    assert session.token not in page and session.token[:4] + "…" in page
    assert page.count('class="round"') == 20 and second.count('class="round"') == 5
    assert 'data-round="r-24"' in page and 'data-round="r-4"' in second and 'data-round="r-5"' not in second
    assert 'id="older-rounds"' not in second
    assert "3.00 EUR" in page  # a round's bets, in major units with the currency


def test_staff_without_the_player_permission_cannot_open_or_search_players(client, player):
    user = get_user_model().objects.create_user("intern", password="a-long-test-password", is_staff=True)
    client.force_login(user)

    page = client.get(reverse("admin:player_page", args=[player.pk]))
    search = client.get(reverse("admin:player_find"), {"q": "player-1"})

    assert page.status_code == 404 and search.status_code == 404  # least privilege: no hint a player exists


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_rollup_runs_at_once_count_each_row_once(native, call):
    import threading
    from datetime import timedelta

    from django.db import connection

    play(native, call, rounds=5)
    errors = []

    def advance():
        try:
            rollups_advance(lag=timedelta(0), batch=3)  # small steps: the runs interleave
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    runs = [threading.Thread(target=advance) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()

    assert errors == []
    assert MoneyMinute.objects.aggregate(b=Sum("bet_amount"))["b"] == -ledger_sum("bet") == 1_500
    assert MoneyMinute.objects.aggregate(w=Sum("win_amount"))["w"] == ledger_sum("win") == 1_000

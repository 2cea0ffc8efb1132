"""The admin pages of issue 14: rates, jackpots' pools, the finance report with its chart and CSV."""

from decimal import Decimal

import pytest
from django.utils import timezone

from games.reports.rollup import rollup_ledger
from games.services import session_open
from tests.conftest import make_player
from tests.money.test_reports import Play
from wallet.models import FxRate, Jackpot


def test_staff_enter_a_rate_with_its_validity(admin_client, aggregator):
    now = timezone.now()

    response = admin_client.post(
        "/admin/wallet/fxrate/add/",
        {
            "base": "USD",
            "quote": "EUR",
            "rate": "0.9234",
            "as_of_0": now.strftime("%Y-%m-%d"),
            "as_of_1": now.strftime("%H:%M:%S"),
            "valid_until_0": (now + timezone.timedelta(hours=1)).strftime("%Y-%m-%d"),
            "valid_until_1": (now + timezone.timedelta(hours=1)).strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 302, response.content[:2000]
    rate = FxRate.objects.get()
    assert (rate.rate, rate.source, rate.created_by.username) == (Decimal("0.9234"), "staff", "admin")


def test_the_jackpot_list_shows_each_pool_in_major_units(admin_client, client, aggregator):
    Jackpot.objects.create(name="Mega", aggregator=aggregator, currency_id="EUR", contribution_percent=Decimal("2"))
    ann = make_player("ann", deposit=100_000)
    Play(client, session_open(player=ann, aggregator=aggregator, game_code="book", currency="EUR")).bet("r1", 5000)

    page = admin_client.get("/admin/wallet/jackpot/").content.decode()

    assert "1.00 EUR" in page  # 2 % of 50.00


def test_the_report_page_shows_figures_a_chart_and_downloads_csv(admin_client, client, aggregator):
    ann = make_player("ann", deposit=100_000)
    play = Play(client, session_open(player=ann, aggregator=aggregator, game_code="book", currency="EUR"))
    play.bet("r1", 1000)
    play.win("r1", 250)
    rollup_ledger(settle_seconds=0)
    today = timezone.now().date()
    url = f"/admin/games/dailyfigures/report/?start={today}&end={today}&by=game"

    page = admin_client.get(url).content.decode()
    csv = admin_client.get(url + "&format=csv")

    assert "7.50 EUR" in page  # NGR 10.00 - 2.50, in the table and beside its bar
    assert 'class="report-chart"' in page and "width:100.0%" in page
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[1].startswith("book,EUR,1,1,10.00,2.50,7.50")


def test_a_report_asked_backwards_says_so(admin_client, db):
    page = admin_client.get("/admin/games/dailyfigures/report/?start=2026-11-30&end=2026-11-01&by=day")

    assert page.status_code == 200
    assert "the report ends before it starts" in page.content.decode()


def test_staff_grant_a_bonus_in_major_units_and_forfeit_it(admin_client, player):
    from wallet.models import Bonus, Wallet

    cash = Wallet.objects.get(player=player, mode="real")
    response = admin_client.post(
        "/admin/wallet/bonus/add/", {"cash_wallet": cash.pk, "amount_major": "20.00", "wagering_multiple": "30"}
    )
    assert response.status_code == 302, response.content[:3000]
    bonus = Bonus.objects.get()
    assert (bonus.amount, bonus.wagering_required, bonus.created_by.username) == (2000, 60_000, "admin")
    assert "20.00 EUR" in admin_client.get("/admin/wallet/bonus/").content.decode()

    admin_client.post("/admin/wallet/bonus/", {"action": "forfeit", "_selected_action": [bonus.pk]})

    bonus.refresh_from_db()
    assert bonus.status == Bonus.Status.FORFEITED


@pytest.mark.parametrize(
    "page",
    [
        "/admin/wallet/fxpair/",
        "/admin/wallet/fxrate/",
        "/admin/wallet/fxrate/add/",
        "/admin/wallet/jackpot/",
        "/admin/wallet/bonus/",
        "/admin/wallet/bonus/add/",
        "/admin/games/dailyfigures/",
        "/admin/games/providercontract/",
        "/admin/games/freespingrant/",
        "/admin/games/freespingrant/add/",
    ],
)
def test_every_new_admin_page_opens(admin_client, page):
    assert admin_client.get(page).status_code == 200

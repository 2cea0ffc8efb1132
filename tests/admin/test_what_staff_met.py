"""What staff met in the admin (issue 13), each fixed and checked as staff would see it."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from casino.models import Player
from tests.staff import staff_in
from wallet.models import AggregatorTransaction, GameRound, LedgerTransaction, MoneyRequest, Wallet


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def played(native, call, session):
    native.post("bet", call("bet", transaction_id="bet-42", round_id="round-42", amount=300))
    native.post("win", call("win", transaction_id="win-42", round_id="round-42", amount=500, round_closed=True))
    return session


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def four_eyes_deposit(wallet, *, amount: str, memo: str):
    """A staff deposit as staff make one: Finance asks, a second Finance user approves."""
    fiona, frank = staff_in("Finance", "fiona"), staff_in("Finance", "frank")
    form = {"operation": "deposit", "amount": amount, "memo": memo, "request_key": str(uuid.uuid4()), "confirmed": "on"}
    as_user(fiona).post(reverse("admin:wallet_wallet_money", args=[wallet.pk]), form)
    request = MoneyRequest.objects.get(memo=memo)
    decided = as_user(frank).post(
        reverse("admin:wallet_moneyrequest_decide", args=[request.pk]), {"decision": "approve"}, follow=True
    )
    return fiona, frank, decided


def page(staff_client, url: str, **params) -> str:
    response = staff_client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_calls_rounds_and_entries_show_money_in_major_units_with_the_currency(staff_client, played):
    call = AggregatorTransaction.objects.get(external_id="bet-42")
    round_ = GameRound.objects.get(external_id="round-42")

    calls = page(staff_client, reverse("admin:wallet_aggregatortransaction_changelist"))
    rounds = page(staff_client, reverse("admin:wallet_gameround_changelist"))
    ledger = page(staff_client, reverse("admin:wallet_ledgertransaction_change", args=[call.ledger_transaction_id]))

    assert "3.00 EUR" in calls and "97.00 EUR" in calls  # the bet and the balance answered
    assert "3.00 EUR" in rounds and "5.00 EUR" in rounds and round_.bet_total == 300
    assert "-3.00 EUR" in ledger and "97.00 EUR" in ledger


def test_a_statement_has_the_running_balance_memo_and_staff(staff_client, player):
    wallet = Wallet.objects.get(player=player, currency="EUR")
    fiona, frank, _ = four_eyes_deposit(wallet, amount="12.34", memo="goodwill after outage")

    statement = page(staff_client, reverse("admin:wallet_ledgertransaction_changelist"), wallet__id__exact=wallet.pk)

    assert "112.34 EUR" in statement and "goodwill after outage" in statement
    assert fiona.username in statement and frank.username in statement


def test_ledger_transaction_and_call_pages_show_their_date_and_time(staff_client, played):
    call = AggregatorTransaction.objects.get(external_id="bet-42")
    ledger = LedgerTransaction.objects.get(pk=call.ledger_transaction_id)

    call_page = page(staff_client, reverse("admin:wallet_aggregatortransaction_change", args=[call.pk]))
    ledger_page = page(staff_client, reverse("admin:wallet_ledgertransaction_change", args=[ledger.pk]))

    for text, at in ((call_page, call.created_at), (ledger_page, ledger.created_at)):
        assert "Created at" in text and at.strftime("%Y") in text


def test_a_round_lists_its_bets_wins_and_rollbacks(staff_client, played):
    round_ = GameRound.objects.get(external_id="round-42")

    text = page(staff_client, reverse("admin:wallet_gameround_change", args=[round_.pk]))

    assert "calls in this round" in text.lower() and "bet-42" in text and "win-42" in text


def test_a_success_message_links_its_transaction_and_the_ledger_finds_it_by_number(staff_client, player):
    wallet = Wallet.objects.get(player=player, currency="EUR")

    _, _, response = four_eyes_deposit(wallet, amount="1.00", memo="link me")
    ledger = LedgerTransaction.objects.get(memo="link me")
    url = reverse("admin:wallet_ledgertransaction_change", args=[ledger.pk])

    assert f'<a href="{url}">#{ledger.pk}</a>' in response.content.decode()
    for query in (str(ledger.pk), f"#{ledger.pk}"):
        found = page(staff_client, reverse("admin:wallet_ledgertransaction_changelist"), q=query)
        assert "link me" in found and "1 result" in found, query


def test_a_player_created_in_the_admin_gets_a_wallet_and_staff_may_add_another(staff_client):
    inline = {"wallets-TOTAL_FORMS": "0", "wallets-INITIAL_FORMS": "0"}
    response = staff_client.post(
        reverse("admin:casino_player_add"),
        {"external_id": "new-player", "email": "", "status": "active", "country": "MT", "kyc_status": "none", **inline},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    player = Player.objects.get(external_id="new-player")
    assert list(Wallet.objects.filter(player=player).values_list("currency_id", "mode", "balance")) == [
        ("EUR", "real", 0)
    ]

    change = reverse("admin:casino_player_change", args=[player.pk])
    wallet = Wallet.objects.get(player=player)
    response = staff_client.post(
        change,
        {
            "status": "active",
            "email": "",
            "country": "MT",
            "kyc_status": "none",
            "wallets-TOTAL_FORMS": "2",
            "wallets-INITIAL_FORMS": "1",
            "wallets-0-id": str(wallet.pk),
            "wallets-0-player": str(player.pk),
            "wallets-1-currency": "USD",
            "wallets-1-mode": "real",
            "wallets-1-player": str(player.pk),
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(Wallet.objects.filter(player=player).values_list("currency_id", flat=True)) == {"EUR", "USD"}


def test_the_player_id_aggregators_send_is_read_only_after_creation(staff_client, player):
    staff_client.post(
        reverse("admin:casino_player_change", args=[player.pk]),
        {"external_id": "renamed", "status": "active", "country": "MT", "kyc_status": "none"},
    )

    player.refresh_from_db()
    assert player.external_id == "player-1"
    assert 'name="external_id"' not in page(staff_client, reverse("admin:casino_player_change", args=[player.pk]))


def test_session_tokens_are_masked_in_sessions_and_stored_requests(staff_client, played):
    token = played.token
    call = AggregatorTransaction.objects.get(external_id="bet-42")

    pages = [
        page(staff_client, reverse("admin:casino_gamesession_changelist")),
        page(staff_client, reverse("admin:casino_gamesession_change", args=[played.pk])),
        page(staff_client, reverse("admin:wallet_aggregatortransaction_change", args=[call.pk])),
    ]

    for text in pages:
        assert token not in text and f"{token[:4]}…" in text
    # Support can still find a session by pasting its whole token (the list shows it masked).
    found = page(staff_client, reverse("admin:casino_gamesession_changelist"), q=token)
    missed = page(staff_client, reverse("admin:casino_gamesession_changelist"), q=token[:-1])
    assert f"{token[:4]}…" in found and f"{token[:4]}…" not in missed


def test_view_site_and_the_favicon_are_not_404s(staff_client):
    home = staff_client.get("/")
    icon = staff_client.get("/favicon.ico")

    assert home.status_code == 302 and home["Location"] == reverse("admin:index")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert 'href="/"' in page(staff_client, reverse("admin:index"))  # "View site"


def test_rg_limits_show_money_in_major_units_and_time_in_minutes(staff_client, player):
    from compliance.models import RgLimit

    RgLimit.objects.create(player=player, kind="loss", period="day", currency_id="EUR", amount=5_000)
    RgLimit.objects.create(player=player, kind="session_time", period="", amount=90)

    text = page(staff_client, reverse("admin:compliance_rglimit_changelist"))

    assert "50.00 EUR" in text and "90 min" in text

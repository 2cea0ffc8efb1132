import pytest
from django.urls import reverse

from casino.models import Aggregator, Player
from tests.conftest import SECRET
from wallet.models import LedgerTransaction, Wallet

# What the aggregator page posts besides its own fields: the risk-limit inline, with no rows.
NO_RISK_LIMIT_ROWS = {"max_win_multiple": "10000", "risk_limits-TOTAL_FORMS": "0", "risk_limits-INITIAL_FORMS": "0"}


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def played(native, call, session):
    native.post("bet", call("bet", transaction_id="bet-42", round_id="round-42", amount=300))
    native.post("win", call("win", transaction_id="win-42", round_id="round-42", amount=500, round_closed=True))
    return session


@pytest.mark.parametrize(
    "model",
    [
        "casino_player",
        "casino_currency",
        "wallet_wallet",
        "wallet_ledgertransaction",
        "wallet_aggregatortransaction",
        "wallet_gameround",
        "wallet_houseaccount",
        "casino_aggregator",
        "casino_gamesession",
        "wallet_winswithoutbetday",
    ],
)
def test_every_money_page_opens_for_staff(staff_client, played, model):
    response = staff_client.get(reverse(f"admin:{model}_changelist"))

    assert response.status_code == 200


def test_the_ledger_is_searchable_by_player_transaction_id_and_round(staff_client, played):
    url = reverse("admin:wallet_ledgertransaction_changelist")

    by_player = staff_client.get(url, {"q": "player-1"}).content.decode()
    by_transaction = staff_client.get(url, {"q": "win-42"}).content.decode()
    by_round = staff_client.get(url, {"q": "round-42"}).content.decode()
    by_nothing = staff_client.get(url, {"q": "no-such-thing"}).content.decode()

    assert "bet-42" in by_player and "win-42" in by_player
    assert "win-42" in by_transaction and "bet-42" not in by_transaction
    assert "bet-42" in by_round and "win-42" in by_round
    assert "bet-42" not in by_nothing


def test_staff_cannot_add_change_or_delete_ledger_rows(staff_client, played):
    ledger = LedgerTransaction.objects.get(reference="bet-42")

    add = staff_client.get(reverse("admin:wallet_ledgertransaction_add"))
    delete = staff_client.post(reverse("admin:wallet_ledgertransaction_delete", args=[ledger.pk]), {"post": "yes"})
    change = staff_client.get(reverse("admin:wallet_ledgertransaction_change", args=[ledger.pk]))

    assert add.status_code == 403
    assert delete.status_code == 403
    assert LedgerTransaction.objects.filter(pk=ledger.pk).exists()
    assert change.status_code == 200 and b'type="submit" value="Save"' not in change.content


def test_the_aggregator_page_never_shows_a_secret(staff_client, aggregator):
    aggregator.previous_signing_secret = "old-secret-value"
    aggregator.private_key_pem = "-----BEGIN PRIVATE KEY-----secretkeymaterial"
    aggregator.save()

    page = staff_client.get(reverse("admin:casino_aggregator_change", args=[aggregator.pk])).content.decode()
    history = staff_client.get(reverse("admin:casino_aggregator_history", args=[aggregator.pk])).content.decode()

    for secret in (SECRET, "old-secret-value", "secretkeymaterial"):
        assert secret not in page
        assert secret not in history
    assert "rotation in progress" in page


def test_saving_an_aggregator_with_empty_secret_fields_keeps_the_secrets(staff_client, aggregator):
    url = reverse("admin:casino_aggregator_change", args=[aggregator.pk])
    form = {
        "code": aggregator.code,
        "name": "Renamed",
        "protocol": "native",
        "is_active": "on",
        "key_id": aggregator.key_id,
        "signing_secret": "",
        "previous_signing_secret": "",
        "allowed_skew_seconds": "30",
        "rate_limit_per_minute": "",
        "public_key_pem": "",
        "private_key_pem": "",
        "operator_id": "",
        "api_base_url": "",
        **NO_RISK_LIMIT_ROWS,
    }

    response = staff_client.post(url, form)

    assert response.status_code == 302
    aggregator.refresh_from_db()
    assert aggregator.name == "Renamed"
    assert aggregator.signing_secret == SECRET


def test_rotating_a_secret_in_the_admin_keeps_the_old_one_valid(staff_client, aggregator, native, call):
    url = reverse("admin:casino_aggregator_change", args=[aggregator.pk])
    form = {
        "code": aggregator.code,
        "name": aggregator.name,
        "protocol": "native",
        "is_active": "on",
        "key_id": aggregator.key_id,
        "signing_secret": "brand-new-secret",
        "previous_signing_secret": SECRET,
        "allowed_skew_seconds": "30",
        **NO_RISK_LIMIT_ROWS,
    }
    staff_client.post(url, form)

    old = native.post("balance", call("balance"))
    new = native.post("balance", call("balance"), secret="brand-new-secret")

    assert old.status_code == 200 and new.status_code == 200
    assert Aggregator.objects.get(pk=aggregator.pk).signing_secret == "brand-new-secret"


# Staff money operations (form, confirmation, four eyes): tests/admin/test_money_forms.py.


def test_a_players_page_lists_their_wallets_with_balances(staff_client, player):
    # given a player with a funded EUR wallet (the fixture's opening deposit of 100.00)
    wallet = Wallet.objects.get(player=player)

    # when staff open the player's page
    page = staff_client.get(reverse("admin:casino_player_change", args=[player.pk])).content.decode()

    # then the wallet is listed, with its balance and a link to it
    assert wallet.currency.format(wallet.balance) in page
    assert reverse("admin:wallet_wallet_change", args=[wallet.pk]) in page


def test_staff_changes_to_a_player_are_kept_with_who_and_what(staff_client, admin_user, player):
    url = reverse("admin:casino_player_change", args=[player.pk])
    staff_client.post(
        url,
        {
            "external_id": player.external_id,
            "status": "blocked",
            "country": "MT",
            "kyc_status": "none",
            "wallets-TOTAL_FORMS": "0",
            "wallets-INITIAL_FORMS": "1",
        },
    )

    latest = Player.history.filter(id=player.pk).latest("history_date")
    assert latest.status == "blocked"
    assert latest.history_user == admin_user

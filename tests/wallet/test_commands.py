"""The management commands ops and automation rely on (names and arguments are a contract)."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from casino.models import Aggregator, GameSession, Mode, Player
from tests.conftest import balance_of
from wallet.models import LedgerTransaction, Wallet
from wallet.selectors import session_wallet


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- create_aggregator ----------------------------------------------------------------------


def test_create_aggregator_prints_the_key_id_it_was_given(db):
    output = run("create_aggregator", "acme", "--protocol", "native", "--signing-secret", "s3cret", "--key-id", "k-1")

    assert output == "k-1\n"
    aggregator = Aggregator.objects.get(code="acme")
    assert (aggregator.key_id, aggregator.signing_secret) == ("k-1", "s3cret")


def test_create_aggregator_prints_a_generated_key_id(db):
    output = run("create_aggregator", "acme", "--signing-secret", "s3cret")

    assert output.strip() == Aggregator.objects.get(code="acme").key_id
    assert output.strip()


def test_create_aggregator_refuses_a_native_aggregator_without_a_signing_secret(db):
    with pytest.raises(CommandError, match="signing-secret"):
        run("create_aggregator", "acme", "--protocol", "native")

    assert not Aggregator.objects.exists()


def test_create_aggregator_refuses_a_code_already_taken(aggregator):
    with pytest.raises(CommandError):
        run("create_aggregator", aggregator.code, "--signing-secret", "s3cret")


# --- create_player --------------------------------------------------------------------------


def test_create_player_with_a_deposit_opens_a_funded_wallet_with_its_ledger_transaction(db):
    output = run("create_player", "p-42", "--currency", "EUR", "--deposit", "12345")

    player = Player.objects.get(external_id="p-42")
    assert balance_of(player) == 12_345
    deposit = LedgerTransaction.objects.get(wallet__player=player)
    assert deposit.kind == "deposit"
    assert sum(deposit.entries.values_list("amount", flat=True)) == 0
    assert "p-42" in output and "123.45" in output


def test_create_player_without_a_deposit_opens_an_empty_wallet(db):
    run("create_player", "p-42", "--currency", "jpy")

    wallet = Wallet.objects.get(player__external_id="p-42")
    assert (wallet.currency_id, wallet.balance) == ("JPY", 0)
    assert not LedgerTransaction.objects.exists()


def test_create_player_refuses_an_unknown_currency(db):
    with pytest.raises(CommandError, match="currency"):
        run("create_player", "p-42", "--currency", "XXX")

    assert not Player.objects.exists()


def test_create_player_refuses_a_player_id_already_taken(player):
    with pytest.raises(CommandError):
        run("create_player", player.external_id, "--currency", "EUR", "--deposit", "100")

    assert balance_of(player) == 10_000


# --- open_session ---------------------------------------------------------------------------


def test_open_session_prints_the_session_token_alone(aggregator, player):
    output = run("open_session", player.external_id, "--aggregator", "acme", "--game", "any-game", "--currency", "EUR")

    session = GameSession.objects.get()
    assert output == f"{session.token}\n"
    assert (session.player, session.game_code, session.mode) == (player, "any-game", Mode.REAL)
    assert session_wallet(session) == Wallet.objects.get(player=player, mode=Mode.REAL)


def test_an_opened_session_is_playable_by_the_aggregator(aggregator, player, native):
    token = run("open_session", "player-1", "--aggregator", "acme", "--game", "g", "--currency", "EUR").strip()

    response = native.post("balance", {"player_id": "player-1", "session_token": token, "currency": "EUR"})

    assert response.json() == {"status": "OK", "balance": 10_000, "currency": "EUR"}


def test_open_session_in_demo_mode_plays_from_a_demo_wallet(aggregator, player):
    token = run(
        "open_session", "player-1", "--aggregator", "acme", "--game", "g", "--currency", "EUR", "--mode", "demo"
    ).strip()

    session = GameSession.objects.get(token=token)
    assert session.mode == Mode.DEMO
    assert session_wallet(session).mode == Mode.DEMO
    assert session_wallet(session).balance > 0
    assert balance_of(player) == 10_000


def test_open_session_takes_a_ttl_in_seconds(aggregator, player):
    token = run("open_session", "player-1", "--aggregator", "acme", "--game", "g", "--currency", "EUR", "--ttl", "90")

    expires_in = GameSession.objects.get(token=token.strip()).expires_at - timezone.now()
    assert timedelta(seconds=80) < expires_in <= timedelta(seconds=90)


@pytest.mark.parametrize(
    "args, problem",
    [
        (["ghost", "--aggregator", "acme", "--game", "g", "--currency", "EUR"], "player"),
        (["player-1", "--aggregator", "nobody", "--game", "g", "--currency", "EUR"], "aggregator"),
        (["player-1", "--aggregator", "acme", "--game", "g", "--currency", "XXX"], "currency"),
        (["player-1", "--aggregator", "acme", "--game", "g", "--currency", "EUR", "--ttl", "0"], "ttl"),
    ],
)
def test_open_session_refuses_what_it_cannot_open(aggregator, player, args, problem):
    with pytest.raises(CommandError, match=problem):
        run("open_session", *args)

    assert not GameSession.objects.exists()


# --- check_ledger ---------------------------------------------------------------------------


def test_check_ledger_passes_on_a_healthy_ledger(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=250))
    native.post("win", call("win", transaction_id="win-1", amount=1_000))

    assert run("check_ledger") == "ledger OK\n"


def test_check_ledger_fails_listing_a_tampered_balance(player):
    wallet = Wallet.objects.get(player=player)
    Wallet.objects.filter(pk=wallet.pk).update(balance=99_999)
    err = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("check_ledger", stdout=io.StringIO(), stderr=err)

    assert failure.value.returncode != 0
    assert f"wallet {wallet.pk}: balance 99999 but entries sum to 10000" in err.getvalue()
    assert "1 ledger violation" in str(failure.value)

"""Responsible-gaming limits where money moves, over the native protocol: refused bets answer
403 RG_BLOCKED with rg_reason and are remembered; wins and rollbacks are never refused but
count; tokens issued before a limit are held to it; staff deposits keep the deposit limit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import RgDayTotal, RgEvent
from compliance.rg.limits import rg_limit_set
from tests.conftest import balance_of
from wallet.errors import WalletError
from wallet.models import AggregatorTransaction, Wallet
from wallet.services import wallet_deposit


def day_total(player, currency="EUR") -> RgDayTotal:
    return RgDayTotal.objects.filter(player=player, currency_id=currency).latest("day")


def test_a_bet_over_the_loss_limit_on_a_token_issued_before_the_limit_is_refused_with_its_reason(
    native, call, session, player
):
    # given a session launched first, then a daily loss limit of 5.00 EUR
    rg_limit_set(player=player, kind="loss", period="day", currency="EUR", amount=500)
    assert native.post("bet", call("bet", transaction_id="b-1", amount=400)).status_code == 200

    # when a bet would bring the day's loss to 6.00
    response = native.post("bet", call("bet", transaction_id="b-2", amount=200))

    # then it is refused, with the reason, and nothing moves
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "RG_BLOCKED" and body["rg_reason"] == "LOSS_LIMIT" and body["balance"] == 9_600
    assert balance_of(player) == 9_600
    event = RgEvent.objects.get(player=player, kind=RgEvent.Kind.BET_REFUSED)
    assert event.reason == "LOSS_LIMIT" and event.detail["transaction_id"] == "b-2"


def test_a_refused_bet_resent_gets_the_same_answer(native, call, player, session):
    rg_limit_set(player=player, kind="wager", period="week", currency="EUR", amount=100)
    bet = call("bet", transaction_id="b-1", amount=101)

    first = native.post("bet", bet)
    resend = native.post("bet", bet)

    assert first.status_code == resend.status_code == 403
    assert first.content == resend.content
    assert resend.json()["rg_reason"] == "WAGER_LIMIT"
    assert AggregatorTransaction.objects.get(external_id="b-1").rg_reason == "WAGER_LIMIT"


def test_wins_and_rollbacks_are_never_refused_and_bring_the_loss_down(native, call, player, session):
    # given a loss limit of 5.00 EUR fully used by a bet
    rg_limit_set(player=player, kind="loss", period="day", currency="EUR", amount=500)
    assert native.post("bet", call("bet", transaction_id="b-1", amount=500)).status_code == 200
    assert native.post("bet", call("bet", transaction_id="b-2", amount=1, round_id="r-2")).status_code == 403

    # when the bet wins 3.00 and another bet is rolled back
    assert native.post("win", call("win", transaction_id="w-1", amount=300, round_closed=True)).status_code == 200
    # then 3.00 of room is back
    assert day_total(player).net_loss == 200
    assert native.post("bet", call("bet", transaction_id="b-3", amount=300, round_id="r-3")).status_code == 200
    rollback = call("rollback", transaction_id="rb-3", rollback_transaction_id="b-3")
    assert native.post("rollback", rollback).status_code == 200

    total = day_total(player)
    assert (total.wagered, total.net_loss) == (500, 200)


def test_a_bet_after_the_session_time_limit_is_refused(native, call, player, session):
    rg_limit_set(player=player, kind="session_time", amount=30)
    assert native.post("bet", call("bet", transaction_id="b-1", amount=100)).status_code == 200

    # when the playing session (the sitting this game session is part of) began 30 minutes ago
    type(session).objects.filter(pk=session.pk).update(play_started_at=timezone.now() - timedelta(minutes=30))
    response = native.post("bet", call("bet", transaction_id="b-2", amount=100))

    assert response.status_code == 403 and response.json()["rg_reason"] == "SESSION_TIME"


def test_a_limit_in_another_currency_refuses_bets_until_one_is_set_in_this_one(native, call, player, session):
    rg_limit_set(player=player, kind="loss", period="day", currency="USD", amount=10_000)

    refused = native.post("bet", call("bet", transaction_id="b-1", amount=100))
    rg_limit_set(player=player, kind="loss", period="day", currency="EUR", amount=10_000)
    accepted = native.post("bet", call("bet", transaction_id="b-2", amount=100))

    assert refused.status_code == 403 and refused.json()["rg_reason"] == "LOSS_LIMIT"
    assert "set a limit in EUR first" in refused.json()["message"]
    assert accepted.status_code == 200


def test_a_player_without_limits_is_counted_nothing_and_refused_nothing(native, call, player, session):
    assert native.post("bet", call("bet", transaction_id="b-1", amount=10_000)).status_code == 200

    assert not player.has_rg_state
    assert not RgDayTotal.objects.filter(player=player).exclude(wagered=0).exists()


@pytest.mark.django_db
def test_a_staff_deposit_over_the_deposit_limit_is_refused_and_recorded(player):
    wallet = Wallet.objects.get(player=player, currency_id="EUR", mode="real")
    rg_limit_set(player=player, kind="deposit", period="month", currency="EUR", amount=50_000)
    already = day_total(player).deposited  # the funding, today

    wallet_deposit(wallet_id=wallet.pk, amount=50_000 - already, memo="up to the limit")
    with pytest.raises(WalletError) as refused:
        wallet_deposit(wallet_id=wallet.pk, amount=1, memo="one cent over")

    assert refused.value.code == "RG_BLOCKED" and refused.value.rg_reason == "DEPOSIT_LIMIT"
    assert balance_of(player) == 50_000
    assert RgEvent.objects.filter(player=player, kind=RgEvent.Kind.DEPOSIT_REFUSED, reason="DEPOSIT_LIMIT").exists()

"""Risk limits on wins over the native protocol, as an aggregator and staff see them: a win
over a limit answers 403 RISK_LIMIT_EXCEEDED, moves nothing, is remembered, alerts staff and
is found in the admin; staff raise a limit on the aggregator's page and the next win passes."""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casino.celery import app
from casino.models import Currency
from games.services import session_open
from tests.conftest import balance_of
from wallet.models import DEFAULT_RISK_LIMITS, AggregatorTransaction, LedgerTransaction, RiskLimit, WinsWithoutBetDay

EUR_DEFAULT_WIN_WITHOUT_BET = 10_000_00  # EUR 10,000 in cents


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def free_win(call, transaction_id: str, amount: int, **fields) -> dict:
    return call("win", transaction_id=transaction_id, amount=amount, spin_type="free", **fields)


def assert_refused(response, *, balance: int) -> None:
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["status"] == "ERROR" and body["code"] == "RISK_LIMIT_EXCEEDED"
    assert body["balance"] == balance


def test_a_new_aggregator_refuses_a_free_win_above_the_default_and_moves_nothing(native, call, player):
    # given a new aggregator (no limit set by staff) and a player holding 100.00 EUR
    # when it sends a free win of EUR 10,000.01
    response = native.post("win", free_win(call, "free-1", EUR_DEFAULT_WIN_WITHOUT_BET + 1))

    # then it is refused with the player's balance, and no money moved
    assert_refused(response, balance=10_000)
    assert balance_of(player) == 10_000
    assert not LedgerTransaction.objects.filter(kind="win").exists()


def test_a_free_win_at_the_default_limit_is_credited(native, call, player):
    response = native.post("win", free_win(call, "free-1", EUR_DEFAULT_WIN_WITHOUT_BET))

    assert response.status_code == 200
    assert balance_of(player) == 10_000 + EUR_DEFAULT_WIN_WITHOUT_BET


def test_a_leaked_credential_cannot_mint_money_with_the_largest_amount_the_protocol_takes(native, call, player):
    response = native.post("win", call("win", transaction_id="mint", amount=10**15, spin_type="tournament"))

    assert_refused(response, balance=10_000)
    assert balance_of(player) == 10_000


def test_a_refused_win_is_remembered_so_its_resend_gets_the_same_answer(native, call, player):
    first = native.post("win", free_win(call, "free-1", EUR_DEFAULT_WIN_WITHOUT_BET + 1))
    resend = native.post("win", free_win(call, "free-1", EUR_DEFAULT_WIN_WITHOUT_BET + 1))

    assert resend.status_code == first.status_code == 403
    assert resend.content == first.content
    record = AggregatorTransaction.objects.get(external_id="free-1")
    assert (record.outcome, record.result_code) == ("refused", "RISK_LIMIT_EXCEEDED")
    assert balance_of(player) == 10_000


def test_a_cash_win_above_the_multiple_of_its_rounds_bets_is_refused(native, call, player):
    # given a bet of 0.01 EUR (the default multiple is 10,000)
    native.post("bet", call("bet", transaction_id="bet-1", amount=1))

    over = native.post("win", call("win", transaction_id="win-1", amount=10_001))
    at = native.post("win", call("win", transaction_id="win-2", amount=10_000))

    assert_refused(over, balance=10_000 - 1)
    assert at.status_code == 200
    assert balance_of(player) == 10_000 - 1 + 10_000


def test_a_cash_win_cannot_pass_the_multiple_by_coming_in_several_calls(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=1))

    first = native.post("win", call("win", transaction_id="win-1", amount=6_000))
    second = native.post("win", call("win", transaction_id="win-2", amount=5_000))

    assert first.status_code == 200
    assert_refused(second, balance=10_000 - 1 + 6_000)


def test_the_days_total_of_wins_without_a_bet_is_capped_per_aggregator_and_currency(native, call, aggregator, player):
    # given staff limits of 5.00 EUR a win and 10.00 EUR a day
    RiskLimit.objects.create(
        aggregator=aggregator, currency_id="EUR", max_win_without_bet=500, daily_wins_without_bet=1_000
    )

    answers = [native.post("win", free_win(call, f"free-{i}", 500, round_id=f"r-{i}")) for i in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 403]
    assert balance_of(player) == 10_000 + 1_000
    assert WinsWithoutBetDay.objects.get(aggregator=aggregator, currency="EUR").total == 1_000


def test_yesterdays_wins_without_a_bet_do_not_count_today(native, call, aggregator, player):
    RiskLimit.objects.create(
        aggregator=aggregator, currency_id="EUR", max_win_without_bet=500, daily_wins_without_bet=1_000
    )
    yesterday = timezone.now().date() - timedelta(days=1)
    WinsWithoutBetDay.objects.create(aggregator=aggregator, currency_id="EUR", day=yesterday, total=1_000)

    response = native.post("win", free_win(call, "free-1", 500))

    assert response.status_code == 200


def test_cash_wins_never_touch_the_days_counter(native, call, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=100))
    native.post("win", call("win", transaction_id="win-1", amount=300))

    assert not WinsWithoutBetDay.objects.exists()


def test_demo_play_money_is_not_limited(native, player, aggregator):
    # Demo wallets hold play money: a win there can never reach real money.
    demo = session_open(player=player, aggregator=aggregator, game_code="book-of-tests", currency="EUR", mode="demo")
    body = {
        "player_id": player.external_id,
        "session_token": demo.token,
        "currency": "EUR",
        "transaction_id": "demo-free-1",
        "round_id": "r-1",
        "game_id": "book-of-tests",
        "amount": EUR_DEFAULT_WIN_WITHOUT_BET + 1,
        "spin_type": "free",
    }

    response = native.post("win", body)

    assert response.status_code == 200
    assert balance_of(player) == 10_000


def test_staff_are_alerted_by_an_error_line_and_a_mail_once_the_refusal_is_committed(
    native, call, settings, mailoutbox, caplog, eager, django_capture_on_commit_callbacks
):
    settings.ADMINS = [("", "risk@example.test")]

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        native.post("win", free_win(call, "free-1", EUR_DEFAULT_WIN_WITHOUT_BET + 1))

    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("risk limit" in line and "'free-1'" in line and "acme" in line for line in errors)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["risk@example.test"]
    assert "acme" in mailoutbox[0].subject and "free-1" in mailoutbox[0].body


def test_a_resend_of_a_refused_win_alerts_nobody_again(
    native, call, settings, mailoutbox, eager, django_capture_on_commit_callbacks
):
    settings.ADMINS = [("", "risk@example.test")]
    native.post("win", free_win(call, "free-1", EUR_DEFAULT_WIN_WITHOUT_BET + 1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        native.post("win", free_win(call, "free-1", EUR_DEFAULT_WIN_WITHOUT_BET + 1))

    assert callbacks == []
    assert mailoutbox == []


def test_staff_find_refused_wins_by_result_code_in_the_call_records(staff_client, native, call):
    native.post("win", free_win(call, "refused-win", EUR_DEFAULT_WIN_WITHOUT_BET + 1))
    native.post("win", free_win(call, "credited-win", 100))

    page = staff_client.get(
        reverse("admin:wallet_aggregatortransaction_changelist"), {"result_code": "RISK_LIMIT_EXCEEDED"}
    ).content.decode()

    assert "refused-win" in page and "credited-win" not in page


def test_every_currency_we_hold_has_a_finite_default(db):
    missing = [code for code in Currency.objects.values_list("code", flat=True) if code not in DEFAULT_RISK_LIMITS]
    too_big = [code for code, limits in DEFAULT_RISK_LIMITS.items() if max(limits) > 2**63 - 1]

    assert missing == [] and too_big == []


def test_the_aggregator_page_shows_the_defaults_in_force(staff_client, aggregator):
    page = staff_client.get(reverse("admin:casino_aggregator_change", args=[aggregator.pk])).content.decode()

    assert "10,000.00 EUR (1000000)" in page or "10000.00 EUR (1000000)" in page
    assert "default" in page


def aggregator_form(aggregator, **changes) -> dict:
    """The aggregator page as staff post it (secrets left empty keep the stored ones)."""
    form = {
        "code": aggregator.code,
        "name": aggregator.name,
        "protocol": aggregator.protocol,
        "is_active": "on",
        "key_id": aggregator.key_id,
        "allowed_skew_seconds": "30",
        "max_win_multiple": str(aggregator.max_win_multiple),
        "risk_limits-TOTAL_FORMS": "0",
        "risk_limits-INITIAL_FORMS": "0",
    }
    form.update(changes)
    return form


def test_staff_raise_the_limit_on_wins_without_a_bet_and_the_next_win_passes(
    staff_client, native, call, aggregator, player
):
    refused = native.post("win", free_win(call, "free-1", 20_000_00))

    saved = staff_client.post(
        reverse("admin:casino_aggregator_change", args=[aggregator.pk]),
        aggregator_form(
            aggregator,
            **{
                "risk_limits-TOTAL_FORMS": "1",
                "risk_limits-0-currency": "EUR",
                "risk_limits-0-max_win_without_bet": "2000000",
                "risk_limits-0-daily_wins_without_bet": "5000000",
            },
        ),
    )
    passed = native.post("win", free_win(call, "free-2", 20_000_00))

    assert refused.status_code == 403
    assert saved.status_code == 302
    assert passed.status_code == 200
    assert balance_of(player) == 10_000 + 20_000_00
    assert RiskLimit.history.filter(aggregator_id=aggregator.pk).count() == 1  # who and when: kept


def test_staff_raise_the_multiple_and_a_bigger_cash_win_passes(staff_client, native, call, aggregator, player):
    native.post("bet", call("bet", transaction_id="bet-1", amount=1))
    refused = native.post("win", call("win", transaction_id="win-1", amount=20_000))

    saved = staff_client.post(
        reverse("admin:casino_aggregator_change", args=[aggregator.pk]),
        aggregator_form(aggregator, max_win_multiple="50000"),
    )
    passed = native.post("win", call("win", transaction_id="win-2", amount=20_000))

    assert refused.status_code == 403
    assert saved.status_code == 302
    assert passed.status_code == 200

"""Currency conversion: a call played in another currency than the wallet's (docs/money.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from casino.money import convert_balance_down, convert_minor_units
from tests.conftest import balance_of
from wallet.models import FxPair, HouseAccount, LedgerEntry, LedgerTransaction
from wallet.selectors import ledger_violations
from wallet.services.fx import fx_rate_set

RATE = Decimal("0.9234")  # 1 USD = 0.9234 EUR


@pytest.mark.parametrize(
    ("amount", "rate", "from_exp", "to_exp", "expected"),
    [
        (1000, RATE, 2, 2, 923),  # 923.4 -> 923
        (2500, RATE, 2, 2, 2308),  # 2308.5 -> 2308: half to even (down)
        (2700, Decimal("0.5"), 2, 2, 1350),
        (3, Decimal("0.5"), 2, 2, 2),  # 1.5 -> 2: half to even (up)
        (5, Decimal("0.5"), 2, 2, 2),  # 2.5 -> 2
        (1000, Decimal("0.0061"), 0, 2, 610),  # 1000 JPY in EUR cents
        (1, Decimal("0.0061"), 0, 2, 1),  # 0.61 cent -> 1
        (12345, Decimal("163.2"), 2, 0, 20147),  # EUR cents -> JPY: 20147.04
        (100_000_000, Decimal("61234.5"), 8, 2, 6123450),  # 1 BTC in EUR cents
    ],
)
def test_conversion_rounds_half_to_even_in_the_target_minor_units(amount, rate, from_exp, to_exp, expected):
    assert convert_minor_units(amount, rate=rate, from_exponent=from_exp, to_exponent=to_exp) == expected


def test_a_balance_shown_in_the_played_currency_is_rounded_down():
    # 90.77 EUR at 0.9234 is 98.2997... USD: shown as 98.29, never 98.30 the wallet cannot cover.
    assert convert_balance_down(9077, rate=RATE, from_exponent=2, to_exponent=2) == 9829


@pytest.fixture
def usd_on_eur(aggregator):
    FxPair.objects.create(aggregator=aggregator, played_id="USD", wallet_currency_id="EUR")
    return fx_rate_set(base="USD", quote="EUR", rate=RATE, valid_for=timedelta(minutes=10))


def _legs(reference: str) -> dict[tuple[str, str], int]:
    txn = LedgerTransaction.objects.get(reference=reference)
    legs = {}
    for entry in LedgerEntry.objects.filter(transaction=txn).select_related("wallet", "house_account"):
        account = entry.wallet or entry.house_account
        kind = "wallet" if entry.wallet else entry.house_account.kind
        legs[(kind, account.currency_id)] = entry.amount
    return legs


def test_a_bet_in_dollars_debits_the_euro_wallet_at_the_rate_half_even_and_answers_in_dollars(
    native, call, player, usd_on_eur
):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=1000, currency="USD"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["currency"] == "USD"
    assert body["balance"] == 9829  # 90.77 EUR left, in USD, rounded down
    assert balance_of(player) == 10_000 - 923
    # The game account sees what the aggregator played; the FX accounts bridge the currencies and
    # keep the rounding's remainder (923 EUR for 1000 USD, where the exact price is 923.4).
    assert _legs("bet-1") == {
        ("wallet", "EUR"): -923,
        ("fx", "EUR"): 923,
        ("fx", "USD"): -1000,
        ("game", "USD"): 1000,
    }
    txn = LedgerTransaction.objects.get(reference="bet-1")
    assert (txn.fx_currency_id, txn.fx_amount, txn.fx_rate) == ("USD", -1000, RATE)
    assert ledger_violations() == []


def test_wins_and_rollbacks_of_a_round_settle_at_its_bets_rate_after_the_rate_moved(native, call, player, usd_on_eur):
    native.post("bet", call("bet", transaction_id="bet-1", amount=1000, currency="USD"))
    native.post("bet", call("bet", transaction_id="bet-2", amount=1000, currency="USD"))
    fx_rate_set(base="USD", quote="EUR", rate=Decimal("0.5"), valid_for=timedelta(minutes=10))

    win = native.post("win", call("win", transaction_id="win-1", amount=2500, currency="USD"))
    rollback = native.post(
        "rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-2", currency="USD")
    )

    assert win.status_code == 200 and rollback.status_code == 200, (win.content, rollback.content)
    assert _legs("win-1")[("wallet", "EUR")] == 2308  # 2500 x 0.9234 = 2308.5 -> 2308, not 1250
    assert _legs("rb-1")[("wallet", "EUR")] == 923  # the bet's debit back, exactly
    assert balance_of(player) == 10_000 - 923 - 923 + 2308 + 923
    # The answer is in dollars at the locked rate, too.
    assert win.json()["balance"] == convert_balance_down(
        10_000 - 923 - 923 + 2308, rate=RATE, from_exponent=2, to_exponent=2
    )
    call_command("check_ledger")


def _expire(rate):
    """The rate's validity ran out a minute ago (the ledger's own clock moves on, not ours)."""
    rate.__class__.objects.filter(pk=rate.pk).update(
        as_of=timezone.now() - timedelta(minutes=11), valid_until=timezone.now() - timedelta(minutes=1)
    )


def test_a_stale_rate_refuses_a_bet_with_a_clear_code_and_moves_nothing(native, call, player, usd_on_eur):
    _expire(usd_on_eur)

    response = native.post("bet", call("bet", transaction_id="bet-1", amount=1000, currency="USD"))

    assert response.status_code == 422
    assert response.json()["code"] == "FX_RATE_STALE"
    assert balance_of(player) == 10_000
    assert not LedgerTransaction.objects.filter(reference="bet-1").exists()
    # Not remembered: once the feed is back, the resend is applied.
    fx_rate_set(base="USD", quote="EUR", rate=RATE, valid_for=timedelta(minutes=10))
    assert native.post("bet", call("bet", transaction_id="bet-1", amount=1000, currency="USD")).status_code == 200


def test_a_win_and_a_rollback_still_settle_at_the_locked_rate_once_the_rate_is_stale(native, call, player, usd_on_eur):
    native.post("bet", call("bet", transaction_id="bet-1", amount=1000, currency="USD"))
    native.post("bet", call("bet", transaction_id="bet-2", amount=1000, currency="USD"))
    _expire(usd_on_eur)

    win = native.post("win", call("win", transaction_id="win-1", amount=1000, currency="USD"))
    rollback = native.post(
        "rollback", call("rollback", transaction_id="rb-1", rollback_transaction_id="bet-2", currency="USD")
    )
    bet = native.post("bet", call("bet", transaction_id="bet-3", amount=1000, currency="USD", round_id="r-2"))

    assert win.status_code == 200 and rollback.status_code == 200, (win.content, rollback.content)
    assert _legs("win-1")[("wallet", "EUR")] == 923
    assert _legs("rb-1")[("wallet", "EUR")] == 923
    assert bet.json()["code"] == "FX_RATE_STALE"


def test_a_currency_without_a_pair_is_still_a_mismatch(native, call, player):
    response = native.post("bet", call("bet", transaction_id="bet-1", amount=1000, currency="USD"))

    assert response.status_code == 422
    assert response.json()["code"] == "CURRENCY_MISMATCH"


def test_the_balance_asked_in_the_played_currency_is_converted_at_the_latest_rate(native, call, usd_on_eur):
    response = native.post("balance", call("balance", currency="USD"))

    assert response.status_code == 200
    assert response.json()["balance"] == 10829  # 100.00 EUR / 0.9234 = 108.295... USD, rounded down


def test_the_fx_accounts_hold_the_rounding_remainder_of_every_conversion(native, call, usd_on_eur):
    for n in range(3):
        native.post("bet", call("bet", transaction_id=f"bet-{n}", amount=1000, currency="USD", round_id=f"r-{n}"))

    fx = {
        a.currency_id: sum(a.entries.values_list("amount", flat=True))
        for a in HouseAccount.objects.filter(kind=HouseAccount.Kind.FX)
    }
    # 3 x 923 EUR taken for 3 x 1000 USD: at the exact price (2770.2 EUR) the FX position is
    # 1.2 cents short of flat: what half-even rounding left over, kept by the FX accounts.
    assert fx == {"EUR": 2769, "USD": -3000}
    assert Decimal(fx["EUR"]) + Decimal(fx["USD"]) * RATE == Decimal("-1.2")

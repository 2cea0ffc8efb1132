"""Jackpots: contributions and wins as ledger transactions of their own against the pool."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from casino.models import Mode
from games.services import session_open
from tests.conftest import balance_of, make_player
from wallet.models import Jackpot, LedgerEntry, LedgerTransaction
from wallet.services.jackpots import jackpot_pool
from wallet.services.rules import JackpotTerms, MoneyCall, jackpot_contributions

Kind = LedgerTransaction.Kind


def _terms(id, percent, game=""):
    return JackpotTerms(id=id, game_code=game, contribution_percent=Decimal(percent))


def _bet(sent=None):
    return MoneyCall(
        aggregator=None, kind="bet", transaction_id="b", player_id="p", session_token="t", currency="EUR",
        amount=1, jackpot_contribution=sent,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("debit", "jackpots", "sent", "expected"),
    [
        (1000, [], None, []),
        (1000, [_terms(1, "1.5")], None, [(1, 15)]),
        (250, [_terms(1, "1")], None, [(1, 2)]),  # 2.5 -> 2: half to even
        (350, [_terms(1, "1")], None, [(1, 4)]),  # 3.5 -> 4
        (40, [_terms(1, "1")], None, []),  # 0.4 -> 0: nothing of zero
        (1000, [_terms(1, "1", "book"), _terms(2, "0.5")], None, [(1, 10), (2, 5)]),  # the game's and the aggregator's
        (1000, [_terms(2, "0.5"), _terms(1, "1", "book")], 7, [(1, 7)]),  # sent: to the game's own jackpot
        (1000, [_terms(2, "0.5")], 7, [(2, 7)]),
        (5, [_terms(2, "0.5")], 7, [(2, 5)]),  # never more than the bet
        (1000, [_terms(2, "0.5")], 0, []),
    ],
)
def test_a_bets_contributions(debit, jackpots, sent, expected):
    assert jackpot_contributions(_bet(sent), debit, jackpots) == expected


@pytest.fixture
def jackpot(aggregator):
    return Jackpot.objects.create(
        name="Mega", aggregator=aggregator, currency_id="EUR", game_code="book-of-tests", contribution_percent=2
    )


def test_a_bet_posts_its_contribution_as_its_own_transaction_from_the_game_account_to_the_pool(
    native, call, player, jackpot
):
    native.post("bet", call("bet", transaction_id="bet-1", amount=1000))
    native.post("bet", call("bet", transaction_id="bet-2", amount=500, jackpot_contribution=3))

    contributions = LedgerTransaction.objects.filter(kind=Kind.JACKPOT_CONTRIBUTION).order_by("id")
    assert [c.reference for c in contributions] == ["bet-1", "bet-2"]
    legs = LedgerEntry.objects.filter(transaction=contributions[0]).select_related("house_account")
    assert sorted((e.house_account.kind, e.amount) for e in legs) == [("game", -20), ("jackpot", 20)]
    assert jackpot_pool(jackpot_id=jackpot.pk, mode=Mode.REAL) == 23
    assert balance_of(player) == 10_000 - 1500  # the player pays the bet, not more
    call_command("check_ledger")


def test_a_jackpot_win_is_paid_from_the_pool_and_never_past_it(native, call, player, jackpot):
    native.post("bet", call("bet", transaction_id="bet-1", amount=5000))  # 100 into the pool

    too_much = native.post("win", call("win", transaction_id="win-1", amount=101, spin_type="jackpot"))
    paid = native.post("win", call("win", transaction_id="win-2", amount=100, spin_type="jackpot"))

    assert too_much.status_code == 403 and too_much.json()["code"] == "RISK_LIMIT_EXCEEDED"
    assert paid.status_code == 200, paid.content
    assert LedgerTransaction.objects.get(reference="win-2").kind == Kind.JACKPOT_WIN
    assert jackpot_pool(jackpot_id=jackpot.pk, mode=Mode.REAL) == 0
    assert balance_of(player) == 10_000 - 5000 + 100
    call_command("check_ledger")


def test_demo_play_contributes_nothing(client, aggregator, jackpot):
    from tests.money.test_reports import Play

    ann = make_player("ann")
    Play(
        client,
        session_open(player=ann, aggregator=aggregator, game_code="book-of-tests", currency="EUR", mode=Mode.DEMO),
    ).bet("d1", 1000)

    assert not LedgerTransaction.objects.filter(kind=Kind.JACKPOT_CONTRIBUTION).exists()

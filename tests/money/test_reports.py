"""The finance reports against a ledger computed by hand, to the minor unit (docs/money.md)."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from casino.models import Mode
from games.models import DailyFigures, Game, Provider, ProviderContract
from games.reports.figures import ReportQuery, report_rows, royalties
from games.reports.rollup import rollup_ledger
from games.services import session_open
from tests.conftest import NativeClient, make_player
from wallet.models import Jackpot


@pytest.fixture
def catalog(aggregator):
    studio_a = Provider.objects.create(aggregator=aggregator, code="studio-a", name="Studio A")
    studio_b = Provider.objects.create(aggregator=aggregator, code="studio-b", name="Studio B")
    Game.objects.create(aggregator=aggregator, external_id="1", code="book", provider=studio_a, name="Book")
    Game.objects.create(aggregator=aggregator, external_id="2", code="dice", provider=studio_b, name="Dice")
    ProviderContract.objects.create(provider=studio_a, revenue_share_percent=Decimal("12.5"))
    Jackpot.objects.create(name="Book pot", aggregator=aggregator, currency_id="EUR", game_code="book",
                           contribution_percent=Decimal("1"))  # fmt: skip
    return studio_a, studio_b


class Play:
    """Native calls for one session: bet / win / rollback with as little noise as possible."""

    def __init__(self, client, session):
        self.native, self.session, self.n = NativeClient(client), session, 0

    def _post(self, kind, **fields):
        self.n += 1
        body = {
            "player_id": self.session.player.external_id,
            "session_token": self.session.token,
            "currency": self.session.currency_id,
            "transaction_id": f"{self.session.token[:8]}-{self.n}",
            "game_id": self.session.game_code,
            **fields,
        }
        response = self.native.post(kind, body)
        assert response.status_code == 200, response.content
        return body["transaction_id"]

    def bet(self, round_id, amount):
        return self._post("bet", round_id=round_id, amount=amount)

    def win(self, round_id, amount, spin_type="cash"):
        return self._post("win", round_id=round_id, amount=amount, spin_type=spin_type, round_closed=True)

    def rollback(self, bet_id):
        return self._post("rollback", rollback_transaction_id=bet_id)


def _row(rows, **keys):
    [found] = [r for r in rows if all(r.keys[k] == v for k, v in keys.items())]
    return found.values


def test_the_daily_figures_match_the_ledger_by_hand_to_the_minor_unit_demo_excluded(client, aggregator, catalog):
    ann, bob = make_player("ann", deposit=100_000), make_player("bob", deposit=100_000)
    ann_book = Play(client, session_open(player=ann, aggregator=aggregator, game_code="book", currency="EUR"))
    ann_dice = Play(client, session_open(player=ann, aggregator=aggregator, game_code="dice", currency="EUR"))
    bob_book = Play(client, session_open(player=bob, aggregator=aggregator, game_code="book", currency="EUR"))
    ann_demo = Play(
        client, session_open(player=ann, aggregator=aggregator, game_code="book", currency="EUR", mode=Mode.DEMO)
    )

    # book: ann r1 bets 1.00 wins 2.50; ann r2 bets 2.00, rolled back; bob r3 bets 3.00 and 0.55, loses;
    # bob's free spins pay 0.50 (r4).
    ann_book.bet("r1", 100)
    ann_book.win("r1", 250)
    ann_book.rollback(ann_book.bet("r2", 200))
    bob_book.bet("r3", 300)
    bob_book.bet("r3", 55)
    bob_book.win("r4", 50, spin_type="free")
    # book's jackpot takes 1 % of each bet, half-even: 1 + 2 - 2 (reversed with its bet) + 3 + 1 (0.55
    # rounds to 1) = 5 cents; bob wins 4 of them in r3.
    bob_book.win("r3", 4, spin_type="jackpot")
    # dice: ann r5 bets 10.00, wins 25.01.
    ann_dice.bet("r5", 1000)
    ann_dice.win("r5", 2501)
    # demo play: never in a report.
    ann_demo.bet("d1", 10_000)
    ann_demo.win("d1", 77_700)

    rollup_ledger(settle_seconds=0)
    today = timezone.now().date()
    rows = report_rows(ReportQuery(start=today, end=today, by=("day", "provider", "game")))

    book = _row(rows, game="book")
    assert book == {
        "rounds": 3,  # r1, r2, r3: rounds with a bet (r4 had free spins only)
        "bets": 4,
        "turnover": 100 + 200 + 300 + 55 - 200,  # 4.55
        "wins": 250,
        "ggr": 455 - 250,
        "bonus_cost": 50,
        "jackpot_contributions": 5,
        "jackpot_wins": 4,  # paid from the pool the contributions filled: not counted again in NGR
        "ngr": 455 - 250 - 50 - 5,  # 1.50
        "unique_players": 2,
    }
    dice = _row(rows, game="dice")
    assert (dice["turnover"], dice["wins"], dice["ngr"], dice["unique_players"]) == (1000, 2501, -1501, 1)
    # Grouped coarser, players are counted once: ann played both games.
    [total] = report_rows(ReportQuery(start=today, end=today, by=()))
    assert (total.values["turnover"], total.values["ngr"], total.values["unique_players"]) == (1455, 150 - 1501, 2)

    # Royalty: 12.5 % of Studio A's NGR of 1.50 = 0.1875 -> 0.19 (half-even); Studio B has no contract.
    due = {r.provider: r.due for r in royalties(start=today, end=today)}
    assert due == {"Studio A": 19, "Studio B": None}
    call_command("check_ledger")


def test_the_rollup_counts_each_transaction_once_however_often_it_runs(client, aggregator, catalog):
    ann = make_player("ann", deposit=100_000)
    play = Play(client, session_open(player=ann, aggregator=aggregator, game_code="book", currency="EUR"))
    play.bet("r1", 100)
    rollup_ledger(settle_seconds=0)
    rollup_ledger(settle_seconds=0)
    play.bet("r1", 20)
    play.win("r1", 500)
    rollup_ledger(settle_seconds=0)
    rollup_ledger(settle_seconds=0)

    figures = DailyFigures.objects.get(game_code="book")
    assert (figures.rounds, figures.bets, figures.turnover, figures.wins, figures.unique_players) == (1, 2, 120, 500, 1)


def test_the_rollup_waits_for_transactions_to_settle(client, aggregator, catalog):
    ann = make_player("ann", deposit=100_000)
    Play(client, session_open(player=ann, aggregator=aggregator, game_code="book", currency="EUR")).bet("r1", 100)

    rollup_ledger()  # the bet is seconds old: not counted yet, so no later-committing id is skipped

    assert not DailyFigures.objects.exists()


def test_manage_py_report_prints_csv_in_major_units(client, aggregator, catalog):
    ann = make_player("ann", deposit=100_000)
    play = Play(client, session_open(player=ann, aggregator=aggregator, game_code="book", currency="EUR"))
    play.bet("r1", 1234)
    rollup_ledger(settle_seconds=0)
    today = timezone.now().date().isoformat()
    out = io.StringIO()

    call_command("report", "--from", today, "--to", today, "--by", "provider", stdout=out)

    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["provider"], row["currency"], row["turnover"], row["ngr"], row["unique_players"]) == (
        "Studio A",
        "EUR",
        "12.34",
        "12.22",  # less the book jackpot's 1 % (0.12)
        "1",
    )


def test_manage_py_report_refuses_an_unknown_grouping_with_a_message(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot group by planet"):
        call_command("report", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "planet")

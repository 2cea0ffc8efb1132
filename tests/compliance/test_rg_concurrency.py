"""Bets racing at a limit's edge: real threads, each with its own connection, against the real
PostgreSQL. The totals are read and written under the wallet lock, so exactly the bets that fit
are accepted, and the running totals equal the money moved."""

from collections import Counter

import pytest

from compliance.models import RgDayTotal
from compliance.rg.limits import rg_limit_set
from games.services import session_open
from tests.conftest import balance_of, make_player
from tests.wallet.test_concurrency import assert_ledger_healthy, in_parallel
from wallet.services import MoneyCall, wallet_process_call

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_ten_racing_bets_where_three_fit_under_the_wager_limit_are_three_accepted(aggregator):
    # given a player with 100.00 EUR, a daily wager limit of 10.00 EUR and one session
    player = make_player("racer", deposit=10_000)
    session = session_open(player=player, aggregator=aggregator, game_code="book", currency="EUR")
    rg_limit_set(player=player, kind="wager", period="day", currency="EUR", amount=1_000)

    # when ten bets of 3.00 EUR arrive at once
    def bet(i: int) -> str:
        call = MoneyCall(
            aggregator=aggregator,
            kind="bet",
            transaction_id=f"bet-{i}",
            player_id=player.external_id,
            session_token=session.token,
            currency="EUR",
            amount=300,
            round_id=f"round-{i}",
            game_code="book",
        )
        return wallet_process_call(call=call).code

    codes = Counter(in_parallel(10, bet))

    # then exactly three are accepted (9.00 EUR), and the day's total is what moved
    assert codes == {"OK": 3, "RG_BLOCKED": 7}, codes
    assert balance_of(player) == 10_000 - 900
    day = RgDayTotal.objects.get(player=player, currency_id="EUR")
    assert (day.wagered, day.net_loss) == (900, 900)
    assert_ledger_healthy()

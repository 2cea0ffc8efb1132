"""The daily total of wins without a bet under concurrency: players of one aggregator, each on
their own wallet (so no wallet lock orders them), racing for the day's last headroom. Real
threads, each with its own connection, against the real PostgreSQL."""

from collections import Counter

import pytest

from games.services import session_open
from tests.conftest import balance_of, make_player
from tests.wallet.test_concurrency import assert_ledger_healthy, in_parallel
from wallet.models import RiskLimit, WinsWithoutBetDay
from wallet.services import MoneyCall, wallet_process_call

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_players_racing_for_the_days_last_headroom_never_pass_the_daily_total(aggregator):
    # given a daily limit of 10.00 EUR of wins without a bet, and twelve players with a session each
    RiskLimit.objects.create(
        aggregator=aggregator, currency_id="EUR", max_win_without_bet=300, daily_wins_without_bet=1_000
    )
    players = [make_player(f"player-{i}", deposit=0) for i in range(12)]
    sessions = [session_open(player=p, aggregator=aggregator, game_code="book", currency="EUR") for p in players]

    # when each is sent a free win of 3.00 EUR at the same moment
    def free_win(i: int) -> str:
        call = MoneyCall(
            aggregator=aggregator,
            kind="win",
            transaction_id=f"free-{i}",
            player_id=players[i].external_id,
            session_token=sessions[i].token,
            currency="EUR",
            amount=300,
            round_id=f"round-{i}",
            game_code="book",
            spin_type="free",
        )
        return wallet_process_call(call=call).code

    codes = Counter(in_parallel(12, free_win))

    # then exactly three fit (900), the rest are refused, and the counter matches the money moved
    assert codes == {"OK": 3, "RISK_LIMIT_EXCEEDED": 9}, codes
    assert sum(balance_of(p) for p in players) == 900
    assert WinsWithoutBetDay.objects.get(aggregator=aggregator, currency="EUR").total == 900
    assert_ledger_healthy()

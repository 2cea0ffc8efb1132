"""wallet.services.round_close: staff closing a round the aggregator left open, refunding its open
bets when it was void; a late call of the aggregator can never pay the refund a second time."""

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import balance_of
from tests.wallet.test_concurrency import in_parallel
from wallet.errors import WalletError
from wallet.models import GameRound, LedgerTransaction
from wallet.services import MoneyCall, round_close, wallet_process_call


def call(session, aggregator, kind, transaction_id, amount, **extra):
    return wallet_process_call(
        call=MoneyCall(
            aggregator=aggregator,
            kind=kind,
            transaction_id=transaction_id,
            player_id=session.player.external_id,
            session_token=session.token,
            currency="EUR",
            amount=amount,
            round_id=extra.pop("round_id", "r-1"),
            game_code="book-of-tests",
            **extra,
        )
    )


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("ops", password="x", is_staff=True)


def test_a_void_round_is_closed_with_its_open_bets_refunded(session, aggregator, player, staff):
    call(session, aggregator, "bet", "b-1", 300)
    call(session, aggregator, "bet", "b-2", 200)
    call(session, aggregator, "rollback", "rb-1", None, reference_id="b-1")
    round_ = GameRound.objects.get()
    assert balance_of(player) == 10_000 - 200

    refunds = round_close(round_id=round_.pk, staff_user=staff, reason="aggregator says void", refund_open_bets=True)

    assert balance_of(player) == 10_000
    (refund,) = refunds
    assert (refund.kind, refund.reference, refund.created_by) == ("rollback", "b-2", staff)
    assert "aggregator says void" in refund.memo
    round_.refresh_from_db()
    assert (round_.status, round_.live_bets, round_.bet_total) == ("closed", 0, 0)
    # the aggregator's late rollback of the refunded bet, or a late win, moves nothing
    late = call(session, aggregator, "rollback", "rb-2", None, reference_id="b-2")
    assert late.code == "TRANSACTION_ALREADY_SETTLED"
    assert call(session, aggregator, "win", "w-1", 500).code == "ROUND_CLOSED"
    assert balance_of(player) == 10_000


def test_closing_without_refund_keeps_the_bets(session, aggregator, player, staff):
    call(session, aggregator, "bet", "b-1", 300)
    round_ = GameRound.objects.get()
    assert round_close(round_id=round_.pk, staff_user=staff, reason="settled there", refund_open_bets=False) == []
    assert balance_of(player) == 10_000 - 300
    with pytest.raises(WalletError, match="already closed"):
        round_close(round_id=round_.pk, staff_user=staff, reason="again", refund_open_bets=True)
    with pytest.raises(WalletError, match="needs a reason"):
        round_close(round_id=round_.pk, staff_user=staff, reason=" ", refund_open_bets=False)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_void_racing_the_aggregators_rollback_refunds_once(session, aggregator, player, staff):
    """Threads against the real database: staff void and the aggregator's rollback of the same
    bet at once, several times over; the bet is refunded exactly once whatever the order."""
    for n in range(5):
        call(session, aggregator, "bet", f"b-{n}", 100, round_id=f"r-{n}")
        round_id = GameRound.objects.get(external_id=f"r-{n}").pk

        def work(i, n=n, round_id=round_id):
            if i == 0:
                try:
                    return len(round_close(round_id=round_id, staff_user=staff, reason="void", refund_open_bets=True))
                except WalletError as error:
                    return error.code
            return call(session, aggregator, "rollback", f"rb-{n}", None, reference_id=f"b-{n}").code

        in_parallel(2, work)
        assert balance_of(player) == 10_000, f"round {n}"
    refunds = LedgerTransaction.objects.filter(kind="rollback").count()
    assert refunds == 5

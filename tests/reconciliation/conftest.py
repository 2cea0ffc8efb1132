"""Fixtures for reconciliation: play money calls through the wallet service, and their side as
rows the sources read."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from reconciliation.parsing import TheirRow
from wallet.services import MoneyCall, wallet_process_call


@pytest.fixture
def window():
    now = timezone.now()
    return now - timedelta(hours=1), now + timedelta(hours=1)


@pytest.fixture
def money(session, aggregator):
    """money("bet", "tx-1", 100, round_id="r-1") applies a call of the session; returns the answer."""

    def call(kind: str, transaction_id: str, amount: int | None, *, round_id: str = "r-1", **extra):
        return wallet_process_call(
            call=MoneyCall(
                aggregator=aggregator,
                kind=kind,
                transaction_id=transaction_id,
                player_id=session.player.external_id,
                session_token=session.token,
                currency="EUR",
                amount=amount,
                round_id=round_id,
                game_code="book-of-tests",
                **extra,
            )
        )

    return call


def their(
    external_id: str,
    kind: str,
    amount: int | None,
    *,
    round_id: str = "r-1",
    player_id: str = "player-1",
    currency: str = "EUR",
    status: str = "settled",
    at: datetime | None = None,
) -> TheirRow:
    return TheirRow(external_id, kind, player_id, round_id, amount, currency, status, at or datetime.now(UTC))

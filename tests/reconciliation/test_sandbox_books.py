"""The sandbox players' own books (sandbox_play with --books-url) agree with our records after an
unruly run: timeouts rolled back, rollbacks before their bets, overbets, resends, free spins.
So the hourly reconciliation of the demo aggregator reports nothing that did not happen."""

import pytest
from django.utils import timezone

from games.catalog import catalog_sync
from games.services import aggregator_create
from reconciliation.models import Source
from reconciliation.parsing import their_row
from reconciliation.services.runs import reconciliation_run
from sandbox.books import Books
from sandbox.driver import Target, run
from sandbox.player import Behaviour, PlayConfig
from sandbox.server import DEFAULT_KEY_ID, DEFAULT_SECRET, SandboxState, serve_in_thread
from tests.conftest import FRONTEND_KEY, make_player

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

UNRULY = Behaviour(resend=0.3, timeout=0.1, rollback_first=0.1, free_spins=0.1, overbet=0.05, split_win=0.3, demo=0.2)


@pytest.fixture
def sandbox():
    server = serve_in_thread(SandboxState())
    yield server
    server.shutdown()
    server.server_close()


def test_an_unruly_sandbox_runs_books_reconcile_clean(live_server, sandbox):
    aggregator = aggregator_create(
        code="sandbox",
        name="Sandbox",
        signing_secret=DEFAULT_SECRET,
        key_id=DEFAULT_KEY_ID,
        api_base_url=sandbox.base_url,
    )
    assert catalog_sync(aggregator_id=aggregator.pk).errors == ""
    ids = [f"sbx-player-{n}" for n in (1, 2, 3)]
    for player_id in ids:
        make_player(player_id, deposit=100_000)
    books = Books()
    started = timezone.now() - timezone.timedelta(minutes=1)
    config = PlayConfig(run_id="books", seed=11, behaviour=UNRULY)

    result = run(
        ids, spins=30, config=config, target=Target(url=live_server.url, frontend_key=FRONTEND_KEY), books=books
    )

    assert result.totals["timeouts"] > 0 and result.totals["rollback_before_bet"] > 0
    end = timezone.now() + timezone.timedelta(minutes=1)
    rows = (their_row(item) for item in books.report(started.timestamp(), end.timestamp()))
    reconciled = reconciliation_run(
        aggregator_id=aggregator.pk, start=started, end=end, source=Source.REPORT, rows=rows
    )
    assert reconciled.status == "succeeded", reconciled.error
    assert reconciled.counts == {}
    assert reconciled.their_rows == reconciled.our_rows > 0

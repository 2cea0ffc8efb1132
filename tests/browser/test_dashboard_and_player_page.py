"""The shift lead's dashboard and support's player page, in headless Chromium after a sandbox
run over real HTTP. With SAVE_SCREENSHOTS=1 the screenshots go to docs/screenshots/ (shown in
the README); otherwise to the test's temporary folder."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from casino.models import Currency
from games.catalog import catalog_sync
from games.services import aggregator_create
from sandbox.driver import Target, run
from sandbox.player import PlayConfig
from sandbox.server import DEFAULT_KEY_ID, DEFAULT_SECRET, SandboxState, serve_in_thread
from tests.conftest import FRONTEND_KEY, make_player
from wallet.models import AggregatorTransaction, LedgerEntry, LedgerTransaction

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def screenshots(tmp_path) -> Path:
    return DOCS if os.environ.get("SAVE_SCREENSHOTS") == "1" else tmp_path


@pytest.fixture
def played(live_server):
    """Three players, 30 spins each, through the sandbox aggregator against the live server."""
    sandbox = serve_in_thread(SandboxState())
    try:
        aggregator = aggregator_create(
            code="sandbox",
            name="Sandbox aggregator",
            signing_secret=DEFAULT_SECRET,
            key_id=DEFAULT_KEY_ID,
            api_base_url=sandbox.base_url,
        )
        assert catalog_sync(aggregator_id=aggregator.pk).errors == ""
        ids = [f"shift-{n}" for n in range(1, 4)]
        for player_id in ids:
            make_player(player_id, deposit=100_000)
        result = run(
            ids,
            spins=30,
            config=PlayConfig(run_id="dash", seed=3, launch_check="http"),
            target=Target(url=live_server.url, frontend_key=FRONTEND_KEY),
        )
        assert result.totals["errors"] == 0, result.summary_lines()
        yield result
    finally:
        sandbox.shutdown()
        sandbox.server_close()


def ledger_total(kind: str) -> int:
    legs = LedgerEntry.objects.filter(transaction__kind=kind, transaction__mode="real", wallet__isnull=False)
    return legs.aggregate(s=Sum("amount"))["s"] or 0


def full_page(browser, path: Path) -> None:
    """The whole page, at the 1440 px width staff use (Chromium's full-page capture)."""
    import base64

    height = browser.execute_script("return document.documentElement.scrollHeight")
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": 1440, "height": height, "scale": 1}},
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def test_the_dashboard_charts_and_figures_match_the_ledger_after_a_sandbox_run(
    browser, live_server, admin_login, played, screenshots
):
    get_user_model().objects.create_superuser("lead", "lead@example.com", "a-long-test-password")
    eur = Currency.objects.get(code="EUR")
    turnover = -ledger_total("bet") - ledger_total("rollback")
    wins = ledger_total("win")
    bets = LedgerTransaction.objects.filter(kind="bet", mode="real").count()

    admin_login("lead", "a-long-test-password")
    browser.get(f"{live_server.url}/admin/")

    row = browser.find_element(By.CSS_SELECTOR, '#panel-money table.money-figures tr[data-currency="EUR"]')
    assert row.find_element(By.CSS_SELECTOR, ".bets").text == str(bets) and bets > 0
    assert row.find_element(By.CSS_SELECTOR, ".turnover").text == eur.format(turnover)
    assert row.find_element(By.CSS_SELECTOR, ".wins").text == eur.format(wins)
    assert row.find_element(By.CSS_SELECTOR, ".ggr").text == eur.format(turnover - wins)
    assert browser.find_element(By.CSS_SELECTOR, "#panel-money .active-players").text == "3"
    # The charts are drawn: a line of bets per minute, GGR per currency, p95 per aggregator.
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-bets svg polyline")
    assert browser.find_element(By.CSS_SELECTOR, "#chart-ggr svg .series-label").text == "EUR"
    assert browser.find_element(By.CSS_SELECTOR, "#chart-latency svg .bar-value").text.endswith("ms")
    calls = browser.find_element(By.CSS_SELECTOR, '#callback-figures tr[data-aggregator="sandbox"] .calls').text
    assert int(calls) == AggregatorTransaction.objects.filter(mode="real").count()
    assert browser.find_element(By.CSS_SELECTOR, '#catalog-sync tr[data-aggregator="sandbox"]').text
    # Nothing hides behind a horizontal scrollbar at 1440 px.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 1440
    full_page(browser, screenshots / "dashboard.png")


def test_a_search_by_aggregator_transaction_id_lands_on_its_round_in_the_player_page(
    browser, live_server, admin_login, played, screenshots
):
    get_user_model().objects.create_superuser("support", "support@example.com", "a-long-test-password")
    win = AggregatorTransaction.objects.filter(kind="win", mode="real", round__isnull=False).select_related(
        "round", "wallet__player"
    )[3]

    admin_login("support", "a-long-test-password")
    search = browser.find_element(By.CSS_SELECTOR, "form.player-search input[name=q]")
    search.send_keys(win.external_id)
    browser.find_element(By.CSS_SELECTOR, "form.player-search input[type=submit]").click()
    # The search answers with a redirect to the player page: wait for it, not for the old page.
    WebDriverWait(browser, 10).until(lambda b: "/page/" in b.current_url)

    assert browser.find_element(By.TAG_NAME, "h1").text == f"Player {win.wallet.player.external_id}"
    rounds = browser.find_elements(By.CSS_SELECTOR, "#section-rounds .round")
    assert [r.get_attribute("data-round") for r in rounds] == [win.round.external_id]
    transactions = [c.get_attribute("data-transaction") for c in rounds[0].find_elements(By.CSS_SELECTOR, "tr.call")]
    assert win.external_id in transactions
    assert browser.find_element(By.CSS_SELECTOR, "#player-wallets").text.count("EUR") >= 1
    full_page(browser, screenshots / "player-page.png")


@pytest.mark.parametrize(
    "changelist", ["wallet_aggregatortransaction", "wallet_ledgertransaction", "wallet_gameround", "casino_gamesession"]
)
def test_list_tables_fit_1440_px_with_ids_on_one_line(browser, live_server, admin_login, played, changelist):
    get_user_model().objects.create_superuser("lead", "lead@example.com", "a-long-test-password")

    admin_login("lead", "a-long-test-password")
    browser.get(f"{live_server.url}/admin/{changelist.replace('_', '/', 1)}/")

    table = browser.find_element(By.ID, "result_list")
    fits = browser.execute_script(
        "const t = arguments[0]; return t.getBoundingClientRect().right <= document.documentElement.clientWidth;",
        table,
    )
    assert fits, "the table's last columns are cut off at 1440 px"
    cell = table.find_element(By.CSS_SELECTOR, "tbody tr th, tbody tr td.action-checkbox + *")
    line = browser.execute_script("return parseFloat(getComputedStyle(arguments[0]).lineHeight) || 20;", cell)
    assert cell.size["height"] < 2 * line + 12, f"{cell.text!r} wraps over several lines"

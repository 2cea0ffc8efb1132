"""Issue 12 as staff live it, in headless Chromium: Support traces a round and cannot move
money; a Finance adjustment waits for a second Finance user, then is in the ledger; Compliance
downloads a day's audit history and every record is in the file."""

import csv
import io
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from compliance.audit.chain import audit_append
from compliance.models import AuditRecord
from tests.conftest import balance_of
from tests.staff import PASSWORD, staff_in
from wallet.models import LedgerTransaction, MoneyRequest, Wallet

# serialized_rollback: the currencies (a data migration) survive the flush between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def body_text(browser) -> str:
    return browser.find_element(By.TAG_NAME, "body").text


def wait_for_text(browser, text: str, timeout: float = 10.0) -> str:
    """The page's text once `text` is on it (after a click, the next page may still be loading)."""

    def shown(driver):
        try:
            page = body_text(driver)
        except StaleElementReferenceException:
            return False
        return page if text in page else False

    return WebDriverWait(browser, timeout).until(shown, message=f"{text!r} never appeared")


def log_out(browser, live_server) -> None:
    browser.find_element(By.CSS_SELECTOR, "#logout-form button, #logout-form input[type=submit]").click()
    browser.find_element(By.TAG_NAME, "body")
    browser.get(f"{live_server.url}/admin/login/")


def test_support_finds_a_round_from_a_transaction_id_and_cannot_adjust(browser, live_server, admin_login, native, call):
    native.post("bet", call("bet", transaction_id="agg-tx-7781", round_id="round-the-disputed-one", amount=250))
    wallet = Wallet.objects.get(player__external_id="player-1")
    staff_in("Support", "sam")

    admin_login("sam", PASSWORD)
    browser.get(f"{live_server.url}/admin/wallet/aggregatortransaction/")
    search = browser.find_element(By.ID, "searchbar")
    search.send_keys("agg-tx-7781")
    search.submit()
    browser.find_element(By.LINK_TEXT, "agg-tx-7781").click()

    wait_for_text(browser, "round-the-disputed-one")
    browser.get(f"{live_server.url}/admin/wallet/wallet/{wallet.pk}/money/")
    assert "403" in browser.title or "Forbidden" in body_text(browser)
    assert balance_of(wallet.player) == 10_000 - 250


def test_a_finance_adjustment_waits_for_a_second_finance_user_then_shows_in_the_ledger(
    browser, live_server, admin_login, player
):
    wallet = Wallet.objects.get(player=player)
    staff_in("Finance", "fiona")
    staff_in("Finance", "frank")

    admin_login("fiona", PASSWORD)
    browser.get(f"{live_server.url}/admin/wallet/wallet/{wallet.pk}/money/")
    Select(browser.find_element(By.NAME, "operation")).select_by_value("adjustment")
    browser.find_element(By.NAME, "amount").send_keys("-7.25")
    browser.find_element(By.NAME, "memo").send_keys("duplicate bonus reversed")
    browser.find_element(By.ID, "review-money-operation").click()
    wait_for_text(browser, "Balance after")
    assert browser.find_element(By.ID, "confirm-amount").text == "-7.25 EUR"
    assert browser.find_element(By.ID, "confirm-balance-after").text == "92.75 EUR"
    browser.find_element(By.ID, "confirm-money-operation").click()
    wait_for_text(browser, "waits for a second Finance user's approval")
    assert "approve-money-request" not in browser.page_source  # never her own
    assert balance_of(player) == 10_000
    request = MoneyRequest.objects.get()
    log_out(browser, live_server)

    admin_login("frank", PASSWORD)
    browser.get(f"{live_server.url}/admin/wallet/moneyrequest/{request.pk}/change/")
    browser.find_element(By.ID, "approve-money-request").click()
    wait_for_text(browser, "posted to the ledger")
    browser.get(f"{live_server.url}/admin/wallet/ledgertransaction/?wallet__id__exact={wallet.pk}")

    ledger = body_text(browser)
    assert "Adjustment" in ledger and "-7.25 EUR" in ledger, ledger[-1500:]
    assert balance_of(player) == 10_000 - 725
    posted = LedgerTransaction.objects.get(kind="adjustment")
    assert (posted.created_by.username, posted.approved_by.username) == ("fiona", "frank")


def test_compliance_exports_a_days_audit_history_and_the_file_holds_every_record(
    browser, live_server, admin_login, tmp_path
):
    for kind in ("change.update", "money_request.requested", "rg.cool_off_started"):
        audit_append(kind=kind, actor="someone", reason='ünïcödé, "quoted", and a comma')
    staff_in("Compliance", "cora")
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})

    admin_login("cora", PASSWORD)
    browser.get(f"{live_server.url}/admin/compliance/auditrecord/")
    browser.find_element(By.ID, "audit-export-link").click()
    today = timezone.now().date()
    start, end = browser.find_element(By.NAME, "start"), browser.find_element(By.NAME, "end")
    start.clear()
    start.send_keys(today.isoformat())
    end.clear()
    end.send_keys((today + timedelta(days=1)).isoformat())
    Select(browser.find_element(By.NAME, "format")).select_by_value("csv")
    browser.find_element(By.ID, "audit-export-submit").click()

    downloaded = wait_for_download(tmp_path)
    rows = list(csv.DictReader(io.StringIO(downloaded.read_text(encoding="utf-8-sig"))))
    export = AuditRecord.objects.get(kind="export.audit")
    expected = AuditRecord.objects.filter(id__lt=export.pk, created_at__date=today).order_by("id")
    assert [int(row["id"]) for row in rows] == list(expected.values_list("id", flat=True))
    kinds = {row["kind"] for row in rows}
    assert {"change.update", "money_request.requested", "rg.cool_off_started", "auth.login"} <= kinds
    assert {row["reason"] for row in rows if row["actor"] == "someone"} == {'ünïcödé, "quoted", and a comma'}
    assert (export.actor, export.changes["via"]) == ("cora", "admin")


def wait_for_download(folder, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = list(folder.iterdir())
        done = [p for p in files if p.suffix == ".csv" and p.stat().st_size > 0]
        # Chrome reserves the final name with an empty file while it writes to a .crdownload
        # beside it: the download is complete when that is gone and the file has its bytes.
        if done and not any(p.suffix == ".crdownload" for p in files):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no file downloaded into {folder}: {list(folder.iterdir())}")


def test_back_and_confirm_again_answers_the_first_deposit(browser, live_server, admin_login, player, settings):
    # The bug the issue reports: a deposit recorded, then Back and record again, posted twice.
    settings.FOUR_EYES_DEFAULT_THRESHOLD = 1_000_00  # small deposits post at once, as then
    wallet = Wallet.objects.get(player=player)
    staff_in("Finance", "fiona")
    admin_login("fiona", PASSWORD)
    browser.get(f"{live_server.url}/admin/wallet/wallet/{wallet.pk}/money/")
    browser.find_element(By.NAME, "amount").send_keys("5.00")
    browser.find_element(By.NAME, "memo").send_keys("cash at the desk")
    browser.find_element(By.ID, "review-money-operation").click()
    wait_for_text(browser, "Balance after")
    browser.find_element(By.ID, "confirm-money-operation").click()
    wait_for_text(browser, "posted to the ledger")

    browser.back()  # to the confirmation page, a POST: the browser offers to send it again
    wait_for_text(browser, "Confirm Form Resubmission")
    browser.refresh()
    try:
        browser.switch_to.alert.accept()  # "resend the form?"
    except NoAlertPresentException:
        pass

    # The form's id is already used: the answer is the first deposit, not a second one.
    page = wait_for_text(browser, "This form was already sent")
    assert "posted to the ledger" in page
    assert balance_of(player) == 10_000 + 500
    assert LedgerTransaction.objects.filter(kind="deposit", memo="cash at the desk").count() == 1

"""/metrics: who may scrape it, and that it exports what the alerting rules and Grafana name."""

import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from casino import backoffice

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def exported_names(text: str) -> set[str]:
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(f"{family.name}{suffix}" for suffix in SUFFIXES)
        names.update(sample.name for sample in family.samples)
    return names


def scrape(client, **headers) -> str:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_an_address_outside_the_allowed_networks_is_refused(db, client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"


def test_the_token_lets_any_address_scrape_and_a_wrong_one_does_not(db, client, settings):
    settings.METRICS_TOKEN = "a-long-metrics-token-for-tests"

    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer a-long-metrics-token-for-tests")
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer a-long-metrics-token-for-test")

    assert ok.status_code == 200 and b"casino_wallet_request_seconds" in ok.content
    assert wrong.status_code == 403


def test_a_configured_network_may_scrape(db, client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.1.0.0/16"]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_a_wallet_call_shows_in_latency_answers_and_postings(native, call, client):
    before = scrape(client)

    answer = native.post("bet", call("bet", transaction_id="m-1", amount=100))

    assert answer.status_code == 200
    text = scrape(client)
    labels = 'aggregator="acme",endpoint="bet",protocol="native"'
    assert re.search(rf"casino_wallet_request_seconds_count\{{{labels}\}} \d", text)
    assert 'casino_wallet_answers_total{aggregator="acme",endpoint="bet",protocol="native",result="OK"}' in text

    def posted_bets(page):
        found = re.search(r'casino_ledger_postings_total\{kind="bet",mode="real"\} ([0-9.]+)', page)
        return float(found.group(1)) if found else 0.0

    assert posted_bets(text) == posted_bets(before) + 1


def test_gauges_read_at_scrape_time_show_clock_skew(native, call, client):
    native.post("balance", call("balance"))

    text = scrape(client)

    assert re.search(r'casino_aggregator_clock_skew_seconds\{aggregator="acme"\} -?\d', text)


def rules() -> list[dict]:
    groups = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_every_alert_rule_names_only_metrics_the_app_exports(db, client):
    names = exported_names(scrape(client))

    named = {(rule["alert"], m) for rule in rules() for m in re.findall(r"\bcasino_[a-z0-9_]+", rule["expr"])}

    assert named, "the rules name no metric of ours"
    missing = sorted((alert, metric) for alert, metric in named if metric not in names)
    assert missing == []


@pytest.mark.parametrize(
    "topic",
    ["clock_skew", "request_seconds_bucket", "RETRY", "catalog_sync_age", "discrepancies", "stale_rounds", "audit"],
)
def test_the_rules_cover_what_the_issue_asks_to_alert_on(topic):
    assert any(topic in rule["expr"] for rule in rules()), topic


def test_the_grafana_dashboard_names_only_exported_metrics(db, client):
    import json

    names = exported_names(scrape(client))
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/casino.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]

    assert exprs
    for expr in exprs:
        for metric in re.findall(r"\bcasino_[a-z0-9_]+", expr):
            assert metric in names, (expr, metric)


def test_a_gauge_reader_that_fails_leaves_the_rest_of_the_scrape_intact(db, client, caplog):
    def broken():
        raise RuntimeError("boom")

    kept = backoffice._gauges.get("casino_audit_verify_failures")
    backoffice.gauge_source("casino_audit_verify_failures", broken)
    try:
        text = scrape(client)
    finally:
        backoffice._gauges.pop("casino_audit_verify_failures")
        if kept is not None:
            backoffice.gauge_source("casino_audit_verify_failures", kept)

    assert "casino_stale_rounds" in text and "casino_audit_verify_failures" in text
    assert "reading casino_audit_verify_failures failed" in caplog.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lock_wait_that_ends_in_retry_is_counted(native, call, player, client):
    import threading

    from django.db import connection, transaction

    from wallet.models import Wallet

    def retries(page: str) -> float:
        found = re.search(r'casino_wallet_lock_retries_total\{aggregator="acme"\} ([0-9.]+)', page)
        return float(found.group(1)) if found else 0.0

    before = retries(scrape(client))
    wallet = Wallet.objects.get(player=player)
    locked, release = threading.Event(), threading.Event()

    def hold_the_wallet_lock():
        try:
            with transaction.atomic():
                Wallet.objects.select_for_update().get(pk=wallet.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_wallet_lock)
    holder.start()
    try:
        assert locked.wait(timeout=5)
        response = native.post("bet", call("bet", transaction_id="locked-1", amount=100))
    finally:
        release.set()
        holder.join()

    assert response.status_code == 503
    text = scrape(client)
    assert retries(text) == before + 1
    assert 'casino_wallet_answers_total{aggregator="acme",endpoint="bet",protocol="native",result="RETRY"}' in text

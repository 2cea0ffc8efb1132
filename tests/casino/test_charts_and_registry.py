"""Pure pieces of the back-office pages: the SVG charts, the p95 bucket, masking, the registry."""

import pytest

from casino import backoffice
from casino.charts import Series, bar_chart, line_chart
from wallet.dashboard import p95_bound_ms


def test_a_line_chart_escapes_its_labels_and_draws_one_line_per_series():
    svg = line_chart(
        [Series("<EUR>", [(0, 1), (1, 5)]), Series("USD", [(0, 2), (1, -3)])],
        title="GGR & more",
        x_labels=[(0, "00:00"), (1, "01:00")],
    )

    assert svg.count("<polyline") == 2
    assert "&lt;EUR&gt;" in svg and "<EUR>" not in svg and "GGR &amp; more" in svg
    assert "<script" not in svg


def test_a_bar_chart_writes_each_value():
    svg = bar_chart([("alpha", 25), ("beta", 100)], title="p95", unit=" ms")

    assert svg.count("<rect") == 2 and "25 ms" in svg and "100 ms" in svg


@pytest.mark.parametrize(
    ("buckets", "expected"),
    [
        ({"timed": 0}, None),
        ({"timed": 100, "le_5ms": 95}, 5),
        ({"timed": 100, "le_5ms": 94, "le_10ms": 94, "le_25ms": 99}, 25),
        ({"timed": 100, "le_1000ms": 90}, None),  # the 95th percentile is past the last bound
    ],
)
def test_the_p95_is_the_first_bucket_holding_95_percent(buckets, expected):
    figures = {"le_5ms": 0, "le_10ms": 0, "le_25ms": 0, "le_50ms": 0, "le_100ms": 0, "le_250ms": 0, "le_1000ms": 0}
    figures.update(buckets)

    assert p95_bound_ms(figures) == expected


def test_a_masked_token_keeps_only_its_first_characters():
    assert backoffice.masked("AGU0EuewI6WsgHINiFpIdis6") == "AGU0…"
    assert backoffice.masked("short") == "…" and backoffice.masked("") == ""


def test_a_gauge_must_be_named_in_the_registry_first():
    with pytest.raises(ValueError, match="not a gauge"):
        backoffice.gauge_source("casino_something_new", lambda: [])


def test_every_app_registered_its_pieces():
    assert {p.key for p in backoffice.panels()} >= {"money", "calls", "stale", "skew", "catalog"}
    assert {s.key for s in backoffice.sections()} >= {"wallets", "rounds", "rg", "staff"}

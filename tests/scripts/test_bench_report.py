"""`make bench`'s report (scripts/bench/report.py): issue 11's verdict over interleaved rounds."""

import importlib.util
from pathlib import Path

REPORT = Path(__file__).resolve().parents[2] / "scripts" / "bench" / "report.py"
spec = importlib.util.spec_from_file_location("bench_report", REPORT)
bench_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_report)


def scenario(requests: int, server: float, errors: int = 0) -> dict:
    cpu = {"server": server, "database": 1.0, "load generator": 0.5, "other": 3.0}
    return {"requests": requests, "rps": requests / 40, "p50": 10, "p95": 20, "p99": 30, "errors": errors,
            "cpu_ms_per_request": cpu}  # fmt: skip


def test_the_rg_verdict_over_rounds_counts_every_request_of_both_scenarios():
    results = {
        "full spread #1": scenario(20_000, 2.0),
        "full spread rg #1": scenario(17_000, 2.2),  # a slow spell: 0.85 alone
        "full spread #2": scenario(18_000, 2.0),
        "full spread rg #2": scenario(19_500, 2.1),  # 1.08 alone
    }

    lines = bench_report.report(results, 2)

    (verdict,) = [line for line in lines if "over 2 rounds" in line]
    assert verdict.startswith("full spread rg / full spread over 2 rounds: 0.961 (all requests")
    assert "MET" in verdict and "our CPU ms per request 3.50 -> 3.65" in verdict


def test_an_error_in_the_rg_scenario_misses_the_target_whatever_the_rate():
    results = {"full spread #1": scenario(100, 2.0), "full spread rg #1": scenario(100, 2.0, errors=1)}
    results |= {"full spread #2": scenario(100, 2.0), "full spread rg #2": scenario(100, 2.0)}

    (verdict,) = [line for line in bench_report.report(results, 2) if "over 2 rounds" in line]
    assert "MISSED" in verdict

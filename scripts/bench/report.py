"""The printed report of `make bench` (scripts/bench/run.py): the table of each scenario, the CPU
each request cost by process with the connections it opened, and the verdicts against the targets
of issues 5, 11 and 15 (per round, "name #k", when BENCH_ROUNDS > 1)."""

from __future__ import annotations


def report(results: dict, rounds: int) -> list[str]:
    lines = [
        f"{'scenario':<20}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}",
    ]
    for name, r in results.items():
        lines.append(
            f"{name:<20}{r['requests']:>10}{r['rps']:>10.0f}{r['p50']:>9.0f}{r['p95']:>9.0f}{r['p99']:>9.0f}"
            f"{r['errors']:>8}"
        )
    verdicts = []
    for k in range(1, rounds + 1):
        verdicts += _verdicts(results, k, rounds)
    if rounds > 1:
        verdicts += _rg_over_rounds(results, rounds)
    lines += [
        "",
        f"{'CPU ms per request':<20}{'server':>8}{'database':>10}{'load gen.':>11}{'other':>8}{'total':>8}"
        f"{'HTTP conn.':>12}{'DB conn.':>10}",
    ]
    for name, r in results.items():
        cpu = r.get("cpu_ms_per_request")
        if cpu:
            parts = [cpu["server"], cpu["database"], cpu["load generator"], cpu["other"]]
            http = r.get("http_connections_per_request")
            lines.append(
                f"{name:<20}{parts[0]:>8.2f}{parts[1]:>10.2f}{parts[2]:>11.2f}{parts[3]:>8.2f}{sum(parts):>8.2f}"
                f"{'-' if http is None else f'{http:.3f}':>12}{r.get('database_connections_per_request', 0):>10.3f}"
            )
    return lines + [""] + verdicts


def _rg_over_rounds(results: dict, rounds: int) -> list[str]:
    """Issue 11's ratio over every round: all the requests of "full spread rg" against all of "full
    spread" (the rounds are interleaved, so a slow spell of the machine falls on both), and the CPU
    our processes spent per request (server, database, load generator), which the machine's other
    work moves less than rates."""
    pairs = [(results.get(f"full spread #{k}"), results.get(f"full spread rg #{k}")) for k in range(1, rounds + 1)]
    pairs = [(full, rg) for full, rg in pairs if full and rg]
    if not pairs:
        return []
    ratio = sum(rg["requests"] for _, rg in pairs) / sum(full["requests"] for full, _ in pairs)

    def ours(r: dict) -> float:
        cpu = r.get("cpu_ms_per_request") or {}
        return cpu.get("server", 0) + cpu.get("database", 0) + cpu.get("load generator", 0)

    full_cpu = sum(ours(full) for full, _ in pairs) / len(pairs)
    rg_cpu = sum(ours(rg) for _, rg in pairs) / len(pairs)
    errors = sum(rg["errors"] for _, rg in pairs)
    return [
        f"full spread rg / full spread over {len(pairs)} rounds: {ratio:.3f} (all requests; target >= 0.95,"
        f" no errors): {'MET' if ratio >= 0.95 and errors == 0 else 'MISSED'}; our CPU ms per request"
        f" {full_cpu:.2f} -> {rg_cpu:.2f} ({(full_cpu / rg_cpu if rg_cpu else 0):.3f})"
    ]


def _verdicts(results: dict, k: int, rounds: int) -> list[str]:
    def label(name: str, k: int) -> str:
        return name if rounds == 1 else f"{name} #{k}"

    verdicts = []
    full, bare, again = (results.get(label(f"full spread{s}", k)) for s in ("", " no metrics", " metrics again"))
    if full and bare and bare["rps"]:
        counted = [r["rps"] for r in (full, again) if r]
        ratio = sum(counted) / len(counted) / bare["rps"]
        verdicts.append(
            f"full spread with metrics / without: {ratio:.3f} (mean of {len(counted)} runs with; target >= 0.97): "
            f"{'MET' if ratio >= 0.97 else 'MISSED'}"
        )
    full, rg = results.get(label("full spread", k)), results.get(label("full spread rg", k))
    if full and rg and full["rps"]:
        ratio = rg["rps"] / full["rps"]
        verdicts.append(
            f"{label('full spread rg', k)} / full spread: {ratio:.3f} (target >= 0.95, no errors): "
            f"{'MET' if ratio >= 0.95 and rg['errors'] == 0 else 'MISSED'}"
        )
    for kind, floor, p99_max in (("spread", 0.6, 30), ("hot", 0.5, 100)):
        full, ceiling = results.get(label(f"full {kind}", k)), results.get(label(f"ceiling {kind}", k))
        if not (full and ceiling and ceiling["rps"]):
            continue
        ratio = full["rps"] / ceiling["rps"]
        met = ratio >= floor and full["p99"] <= p99_max and full["errors"] == 0
        verdicts.append(
            f"{label(f'full {kind}', k)} / ceiling {kind}: {ratio:.2f} (target >= {floor}, p99 <= {p99_max} ms,"
            f" no errors): {'MET' if met else 'MISSED'}"
        )
    # Issue 15: pure bets at 0.8 of the raw-SQL ceiling, p99 <= 30 ms (spread) / 40 ms (hot).
    for kind, p99_max in (("spread", 30), ("hot", 40)):
        bets = results.get(label(f"bets {kind}", k))
        for floor_name in (f"bets ceiling {kind}", f"bets sql {kind}"):
            floor = results.get(label(floor_name, k))
            if not (bets and floor and floor["rps"]):
                continue
            ratio = bets["rps"] / floor["rps"]
            met = ratio >= 0.8 and bets["p99"] <= p99_max and bets["errors"] == 0
            verdicts.append(
                f"{label(f'bets {kind}', k)} / {floor_name}: {ratio:.2f} (target >= 0.8, p99 <= {p99_max} ms,"
                f" no errors): {'MET' if met else 'MISSED'}"
            )
    return verdicts

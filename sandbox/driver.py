"""Runs many sandbox players against a back-office, paces them, and sums the run up."""

import json
import logging
import secrets
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sandbox.frontend import FrontendClient, FrontendError
from sandbox.player import PlayConfig, PlayerRecord, SandboxPlayer
from sandbox.wire import wire_for

logger = logging.getLogger(__name__)


class Pacer:
    """At most `rate` spins per second across every player (a shared, polite token bucket)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.next_slot = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, stop: threading.Event) -> bool:
        with self.lock:
            now = time.monotonic()
            slot = max(self.next_slot, now)
            self.next_slot = slot + self.interval
        delay = slot - time.monotonic()
        return not stop.wait(delay) if delay > 0 else not stop.is_set()


@dataclass
class RunResult:
    records: list[PlayerRecord]
    seconds: float
    currency: str
    totals: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    def __post_init__(self):
        for record in self.records:
            self.totals.update(record.counters)
            self.latencies.extend(record.latencies)

    @property
    def all_agree(self) -> bool:
        return bool(self.records) and all(r.agrees for r in self.records)

    def percentile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1] * 1000

    def summary_lines(self) -> list[str]:
        t, cur = self.totals, self.currency
        ggr = t["turnover"] - t["wins_total"]
        rate = t["spins"] / self.seconds if self.seconds else 0.0
        lines = [
            f"players {len(self.records)}, {self.seconds:.1f} s, {rate:.1f} spins/s",
            f"spins        {t['spins']} (free spins {t['free_spins']}, sessions launched {t['launches']})",
            f"turnover     {money(t['turnover'])} {cur}",
            f"wins         {money(t['wins_total'])} {cur}",
            f"GGR          {money(ggr)} {cur}",
            f"retries      {t['retries']}",
            f"errors       {t['errors']}"
            + (f" (resend answers that differed {t['resend_mismatches']})" if t["resend_mismatches"] else ""),
            f"network      resends {t['resends']}, timeouts {t['timeouts']}, rollbacks {t['rollbacks']}, "
            f"rollback before bet {t['rollback_before_bet']}, refused for funds {t['insufficient_funds']}",
            "latency      " + ", ".join(f"p{q} {self._ms(q)}" for q in (50, 95, 99)),
        ]
        if t["balance_mismatches"] or t["unresolved"] or t["launches_refused"]:
            lines.append(
                f"attention    balance answers unlike the sandbox's record {t['balance_mismatches']}, "
                f"calls never answered {t['unresolved']}, launches refused {t['launches_refused']}"
            )
        problems = [f"{r.player_id}: {text}" for r in self.records for text in r.problems]
        if problems:
            lines.append(f"first problems ({len(problems)} kept):")
            lines.extend(f"  {text}" for text in problems[:5])
        lines.append("ledger per player (sandbox's record vs our balance):")
        for r in self.records:
            verdict = {True: "yes", False: "NO", None: "unknown (no final balance)"}[r.agrees]
            lines.append(
                f"  {r.player_id:<20} start {money(r.first_balance)}  sandbox {money(r.believed)}  "
                f"ours {money(r.final_balance)}  ledger agrees: {verdict}"
            )
        return lines

    def _ms(self, q: int) -> str:
        value = self.percentile(q)
        return "n/a" if value is None else f"{value:.1f} ms"

    def to_json(self) -> str:
        return json.dumps({"totals": dict(self.totals), "players": [r.as_dict() for r in self.records]}, indent=1)


def money(minor: int | None) -> str:
    """Minor units shown with two decimals (the sandbox plays EUR by default)."""
    if minor is None:
        return "n/a"
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d}"


class Progress:
    """A plain-text progress line on stderr, rewritten in place on a terminal."""

    def __init__(self, total: int | None, stream=None, every: float = 0.25):
        self.total = total
        self.stream = stream or sys.stderr
        self.every = every
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last_line = 0.0
        self.last_decile = -1

    def update(self, done: int, totals: Counter, *, final: bool = False) -> None:
        now = time.monotonic()
        if self.total:
            decile = done * 10 // self.total
            if not self.tty and decile == self.last_decile and not final:
                return
            self.last_decile = decile
        if self.tty and not final and now - self.last_line < self.every:
            return
        self.last_line = now
        if self.total:
            filled = done * 30 // self.total
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} spins"
        else:
            bar = f"{done} spins"
        line = f"{bar}  retries {totals['retries']}  errors {totals['errors']}"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


@dataclass
class Target:
    """The back-office under play. `frontend_key` is a bearer key of its front-end API (one of
    its FRONTEND_API_KEYS): the sandbox has none of its own."""

    frontend_key: str
    url: str = "http://127.0.0.1:8000"
    protocol: str = "native"
    timeout: float = 10.0


def run(
    players: list[str],
    *,
    spins: int | None,
    config: PlayConfig,
    target: Target,
    pace: float | None = None,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
    launcher=None,
    report_every: float | None = None,
    report=None,
    report_text=None,
    wait_for_catalog: float = 0.0,
    refresh_games_every: float | None = None,
    books=None,
) -> RunResult:
    """Play `spins` spins for each player (None: until `stop` is set), then ask every balance.

    Each player plays on its own thread with its own HTTP connection, as separate browser
    tabs and game servers would; a player's own calls are strictly sequential.
    `wait_for_catalog` seconds are granted to a back-office still starting or still syncing
    its catalog; `refresh_games_every` re-reads the games list (long runs: games come and go).
    `books` (books.Books, or a BooksPoster to a sandbox server) counts every answered real-money
    call, so the sandbox's report and statements cover this play.
    """
    stop = stop or threading.Event()
    frontend = FrontendClient(target.url, api_key=target.frontend_key, timeout=target.timeout)
    games = wait_for_games(frontend, config.aggregator, wait=wait_for_catalog, stop=stop, notify=report_text)
    sandbox_players = [
        SandboxPlayer(
            player_id,
            config=config,
            wire=wire_for(
                target.protocol,
                target.url,
                key_id=config.key_id,
                secret=config.secret,
                aggregator=config.aggregator,
                timeout=target.timeout,
            ),
            frontend=FrontendClient(target.url, api_key=target.frontend_key, timeout=target.timeout),
            games=games,
            launcher=launcher,
            sleep=stop.wait,  # a retry's pause ends at once when the run is stopped
            books=books,
        )
        for player_id in players
    ]
    pacer = Pacer(pace) if pace else None
    started = time.monotonic()
    last_report = last_refresh = started
    with ThreadPoolExecutor(max_workers=max(1, len(players)), thread_name_prefix="sandbox-player") as pool:
        futures = [pool.submit(_play_safely, p, spins, stop, pacer) for p in sandbox_players]
        try:
            while not all(f.done() for f in futures):
                time.sleep(0.1)
                totals = _totals(sandbox_players)
                if progress:
                    progress.update(totals["spins"], totals)
                if report and report_every and time.monotonic() - last_report >= report_every:
                    last_report = time.monotonic()
                    report(totals)
                if refresh_games_every and time.monotonic() - last_refresh >= refresh_games_every:
                    last_refresh = time.monotonic()
                    _refresh_games(frontend, config.aggregator, sandbox_players)
        except KeyboardInterrupt:
            stop.set()
        except BaseException:
            stop.set()  # never leave --forever players running behind a failed run
            raise
        finally:
            for future in futures:
                future.result()
    for player in sandbox_players:
        # After a stop (SIGTERM from honcho: the web may be going down too), one quick try.
        player.final_check(quick=stop.is_set())
    result = RunResult([p.record for p in sandbox_players], time.monotonic() - started, config.currency)
    if progress:
        progress.update(result.totals["spins"], result.totals, final=True)
    return result


def wait_for_games(
    frontend: FrontendClient, aggregator: str, *, wait: float, stop: threading.Event, notify=None
) -> list[dict]:
    """The games list; for up to `wait` seconds, a back-office not up yet or with no games yet
    is asked again every few seconds. Raises FrontendError when there is still nothing."""
    deadline = time.monotonic() + wait
    while True:
        try:
            games = frontend.list_games(aggregator=aggregator)
        except FrontendError as exc:
            if (exc.status is not None and exc.status != 503) or time.monotonic() >= deadline:
                raise
            problem = str(exc)
        else:
            if games or time.monotonic() >= deadline:
                if not games:
                    raise FrontendError(f"the back-office lists no games of aggregator {aggregator!r}")
                return games
            problem = f"no games of aggregator {aggregator!r} yet (catalog not synced?)"
        if notify:
            notify(f"waiting for the back-office: {problem}")
        if stop.wait(3):
            raise FrontendError("stopped while waiting for the back-office")


def _refresh_games(frontend: FrontendClient, aggregator: str, players: list[SandboxPlayer]) -> None:
    try:
        games = frontend.list_games(aggregator=aggregator)
    except FrontendError as exc:
        logger.warning("games list not refreshed: %s", exc)
        return
    if games:
        for player in players:
            player.games = sorted(games, key=lambda g: g["code"])


def _play_safely(player: SandboxPlayer, spins: int | None, stop: threading.Event, pacer: Pacer | None) -> None:
    try:
        player.play(spins, stop=stop, pace=pacer)
    except Exception:  # noqa: BLE001 - one player's crash is reported, the others play on
        logger.exception("sandbox player %s stopped on an error", player.player_id)
        player.problem("the player stopped on an unexpected error (see the log)")
        player.record.counters["crashed"] += 1


def _totals(players: list[SandboxPlayer]) -> Counter:
    totals: Counter = Counter()
    for player in players:
        # dict() copies in one step under the GIL; the player's thread may be counting.
        totals.update(dict(player.record.counters))
    return totals


def new_run_id() -> str:
    """Part of every transaction id: ids stay unique across runs, decisions stay seeded."""
    return secrets.token_hex(3)

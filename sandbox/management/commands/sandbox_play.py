import os
import signal
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.books import BooksPoster
from sandbox.driver import Progress, Target, money, new_run_id, run
from sandbox.frontend import FrontendError
from sandbox.player import Behaviour, PlayConfig
from sandbox.server import DEFAULT_KEY_ID, DEFAULT_SECRET


class Command(BaseCommand):
    help = (
        "Drive the sandbox aggregator against a running back-office over HTTP: players launch "
        "games and spin with a seeded RNG, with resends, timeouts and early rollbacks; ends with a "
        "summary and, per player, whether the sandbox's record agrees with our ledger (exit 1 if not)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--players", type=int, default=5, help="Plays as sbx-player-1 .. sbx-player-N.")
        parser.add_argument("--spins", type=int, default=50, help="Spins per player.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same decisions.")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The back-office's base URL.")
        parser.add_argument(
            "--protocol",
            choices=["native", "hub88"],
            default="native",
            help="Wallet protocol on the wire; hub88: Hub88's wire format and /game/url (docs/hub88.md).",
        )
        parser.add_argument("--forever", action="store_true", help="Play until stopped (SIGINT/SIGTERM).")
        parser.add_argument("--duration", type=float, default=None, help="With --forever: stop after this many s.")
        parser.add_argument("--pace", type=float, default=None, help="At most this many spins per second in all.")
        parser.add_argument("--player-prefix", default="sbx-player-")
        parser.add_argument(
            "--aggregator",
            default=None,
            help="Our code for the sandbox aggregator (sandbox, or sandbox-hub88 with hub88).",
        )
        parser.add_argument("--key-id", default=DEFAULT_KEY_ID)
        parser.add_argument("--secret", default=DEFAULT_SECRET)
        parser.add_argument(
            "--frontend-key",
            # The back-office's own first key (make run generates it into var/local.env).
            default=os.environ.get("SANDBOX_FRONTEND_KEY") or settings.FRONTEND_API_KEYS[0],
            help="Bearer key of the front-end API (env SANDBOX_FRONTEND_KEY; else the first FRONTEND_API_KEYS).",
        )
        parser.add_argument("--currency", default="EUR")
        parser.add_argument("--country", default="MT")
        parser.add_argument("--language", default="en")
        parser.add_argument("--demo-share", type=float, default=0.0, help="Share of sessions launched in demo mode.")
        parser.add_argument(
            "--launch-check", choices=["local", "http"], default="local", help="Check launch URLs locally or GET them."
        )
        parser.add_argument("--run-id", default=None, help="Part of every transaction id (random by default).")
        parser.add_argument(
            "--books-url",
            default="",
            help="A sandbox_server whose books count this play (its report and statements then cover it).",
        )
        parser.add_argument("--record", type=Path, default=None, help="Write the sandbox's full record (JSON) here.")
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            help="Seconds to wait for the back-office to be up with games listed (default 300 with --forever, else 0).",
        )
        parser.add_argument("--report-every", type=float, default=60.0, help="With --forever: a status line every s.")

    def handle(self, *args, **opts):
        if opts["players"] < 1 or (not opts["forever"] and opts["spins"] < 1):
            raise CommandError("--players and --spins must be at least 1")
        if opts["pace"] is not None and opts["pace"] <= 0:
            raise CommandError("--pace must be positive")
        forever = opts["forever"]
        hub88 = opts["protocol"] == "hub88"
        config = PlayConfig(
            run_id=opts["run_id"] or new_run_id(),
            seed=opts["seed"],
            currency=opts["currency"],
            country=opts["country"],
            language=opts["language"],
            aggregator=opts["aggregator"] or ("sandbox-hub88" if hub88 else "sandbox"),
            key_id=opts["key_id"],
            secret=opts["secret"],
            # A Hub88 game URL is the sandbox's own (from /game/url): only loading it can check it.
            launch_check="http" if hub88 else opts["launch_check"],
            behaviour=Behaviour(demo=opts["demo_share"]),
            keep_entries=1000 if forever else None,
        )
        target = Target(url=opts["url"], frontend_key=opts["frontend_key"], protocol=opts["protocol"])
        players = [f"{opts['player_prefix']}{i}" for i in range(1, opts["players"] + 1)]
        stop = threading.Event()
        previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
        timer = threading.Timer(opts["duration"], stop.set) if forever and opts["duration"] else None
        if timer:
            timer.daemon = True
            timer.start()

        length = "forever" if forever else f"{opts['spins']} spins each"
        self.stdout.write(
            f"sandbox run {config.run_id}: {len(players)} players, {length}, seed {config.seed}, against {target.url}"
        )
        self.stdout.flush()
        books = BooksPoster(opts["books_url"]) if opts["books_url"] else None
        try:
            result = run(
                players,
                spins=None if forever else opts["spins"],
                config=config,
                target=target,
                pace=opts["pace"],
                stop=stop,
                progress=None if forever else Progress(opts["spins"] * len(players), stream=sys.stderr),
                report_every=opts["report_every"] if forever else None,
                report=self.report,
                report_text=self.say,
                wait_for_catalog=opts["wait"] if opts["wait"] is not None else (300.0 if forever else 0.0),
                refresh_games_every=60.0 if forever else None,
                books=books,
            )
        except FrontendError as exc:
            raise CommandError(f"{exc} {exc.body if exc.body is not None else ''}".strip()) from exc
        finally:
            stop.set()
            if books is not None:
                books.close()
            if timer:
                timer.cancel()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        for line in result.summary_lines():
            self.stdout.write(line)
        if opts["record"]:
            opts["record"].write_text(result.to_json())
            self.stdout.write(f"record written to {opts['record']}")
        disagree = [r.player_id for r in result.records if r.agrees is False]
        unknown = [r.player_id for r in result.records if r.agrees is None]
        if disagree:
            raise CommandError(f"the sandbox's record and our ledger disagree for {', '.join(disagree)}")
        # A --forever run ends when make run stops, often with the web already gone: a balance
        # it could not ask for at the very end is no disagreement then.
        if unknown and not forever:
            raise CommandError(f"no final balance, so no verdict, for {', '.join(unknown)}")

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def report(self, totals):
        self.stdout.write(
            f"sandbox: {totals['spins']} spins, turnover {money(totals['turnover'])}, "
            f"wins {money(totals['wins_total'])}, retries {totals['retries']}, errors {totals['errors']}"
        )
        self.stdout.flush()

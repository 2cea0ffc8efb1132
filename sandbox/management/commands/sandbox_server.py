import logging
import signal

from django.core.management.base import BaseCommand, CommandError

from sandbox.server import DEFAULT_KEY_ID, DEFAULT_SECRET, SandboxState, make_server

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class Command(BaseCommand):
    help = (
        "Serve the sandbox aggregator over HTTP: its catalog API, launch URL validation (/play) "
        "and its control API (docs/sandbox.md). Loopback only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--host", default="127.0.0.1", choices=LOOPBACK)
        parser.add_argument("--key-id", default=DEFAULT_KEY_ID, help="The key id our calls must carry.")
        parser.add_argument("--secret", default=DEFAULT_SECRET, help="The signing secret it shares with us.")
        parser.add_argument("--skew", type=int, default=30, help="Allowed clock skew, seconds.")

    def handle(self, *args, **opts):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox %(message)s")
        state = SandboxState(key_id=opts["key_id"], secret=opts["secret"], skew_seconds=opts["skew"])
        try:
            server = make_server(opts["host"], opts["port"], state)
        except OSError as exc:
            raise CommandError(f"cannot listen on {opts['host']}:{opts['port']}: {exc}") from exc
        # honcho and systemd stop us with SIGTERM: leave serve_forever cleanly.
        signal.signal(signal.SIGTERM, _interrupt)
        self.stdout.write(f"sandbox aggregator on {server.base_url}: {len(state.games)} games, key id {state.key_id}")
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        self.stdout.write("sandbox aggregator stopped")


def _interrupt(signum, frame):
    raise KeyboardInterrupt

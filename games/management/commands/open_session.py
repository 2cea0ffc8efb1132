from django.core.management.base import BaseCommand, CommandError

from casino.models import Aggregator, Currency, Mode, Player
from games.services import DEFAULT_SESSION_TTL_SECONDS, session_open


class Command(BaseCommand):
    help = (
        "Open a game session and print its token alone on stdout. A support/automation tool: "
        "it takes any game code, without the catalog checks of the launch flow."
    )

    def add_arguments(self, parser):
        parser.add_argument("player_id")
        parser.add_argument("--aggregator", required=True, help="Aggregator code.")
        parser.add_argument("--game", required=True, help="The aggregator's game code.")
        parser.add_argument("--currency", required=True)
        parser.add_argument("--mode", choices=Mode.values, default=Mode.REAL)
        parser.add_argument("--ttl", type=int, default=DEFAULT_SESSION_TTL_SECONDS, help="Seconds until expiry.")

    def handle(self, *args, **opts):
        player = Player.objects.filter(external_id=opts["player_id"]).first()
        if player is None:
            raise CommandError(f"no player {opts['player_id']!r}")
        aggregator = Aggregator.objects.filter(code=opts["aggregator"]).first()
        if aggregator is None:
            raise CommandError(f"no aggregator {opts['aggregator']!r}")
        currency = Currency.objects.filter(code=opts["currency"].upper()).first()
        if currency is None:
            raise CommandError(f"unknown currency {opts['currency']!r}")
        if opts["ttl"] <= 0:
            raise CommandError("--ttl must be positive")
        session = session_open(
            player=player,
            aggregator=aggregator,
            game_code=opts["game"],
            currency=currency,
            mode=opts["mode"],
            ttl_seconds=opts["ttl"],
        )
        self.stdout.write(session.token)

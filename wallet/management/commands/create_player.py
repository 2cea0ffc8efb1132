from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casino.services import currency_get, player_create
from wallet.errors import WalletError
from wallet.services import wallet_deposit, wallet_open


class Command(BaseCommand):
    help = "Create a player with a wallet in CURRENCY, optionally with an opening deposit (minor units)."

    def add_arguments(self, parser):
        parser.add_argument("player_id")
        parser.add_argument("--currency", required=True)
        parser.add_argument("--deposit", type=int, default=0, help="Opening deposit in minor units (EUR cents).")
        parser.add_argument("--country", default="")

    def handle(self, *args, **opts):
        currency = currency_get(opts["currency"])
        if currency is None:
            raise CommandError(f"unknown currency {opts['currency']!r}")
        if opts["deposit"] < 0:
            raise CommandError("--deposit must not be negative")
        try:
            player = player_create(external_id=opts["player_id"], country=opts["country"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        wallet = wallet_open(player=player, currency=currency)
        if opts["deposit"]:
            try:
                wallet_deposit(wallet_id=wallet.pk, amount=opts["deposit"], memo="opening deposit (create_player)")
            except WalletError as exc:
                raise CommandError(exc.message) from exc
            wallet.refresh_from_db()
        self.stdout.write(f"{player.external_id} {currency.format(wallet.balance)}")

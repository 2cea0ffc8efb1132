from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from casino.models import Player
from games.models import Aggregator
from games.services import aggregator_create
from wallet.services import wallet_deposit, wallet_open

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 - local demo login, printed by `make run`
SANDBOX_CODE = "sandbox"
SANDBOX_KEY_ID = "sandbox-key"
SANDBOX_SECRET = "sandbox-signing-secret"  # noqa: S105 - demo credentials of the built-in sandbox

DEMO_PLAYERS = [
    ("demo-alice", "MT", "EUR", 50_000),
    ("demo-bob", "DE", "EUR", 20_000),
    ("demo-carol", "GB", "GBP", 30_000),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent): an admin user, the sandbox aggregator, funded players."

    def handle(self, *args, **opts):
        User = get_user_model()
        if not User.objects.filter(username=ADMIN_USERNAME).exists():
            User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", ADMIN_PASSWORD)
        if not Aggregator.objects.filter(code=SANDBOX_CODE).exists():
            aggregator_create(
                code=SANDBOX_CODE, name="Sandbox aggregator", signing_secret=SANDBOX_SECRET, key_id=SANDBOX_KEY_ID
            )
        for external_id, country, currency, deposit in DEMO_PLAYERS:
            player, created = Player.objects.get_or_create(external_id=external_id, defaults={"country": country})
            wallet = wallet_open(player=player, currency=currency)
            if created:
                wallet_deposit(wallet_id=wallet.pk, amount=deposit, memo="demo funding")
        self.stdout.write(f"demo data loaded: admin login {ADMIN_USERNAME} / {ADMIN_PASSWORD}")

import os
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from casino.environment import LOCAL
from casino.models import Aggregator, Player
from games.models import Provider, ProviderContract
from games.services import aggregator_create
from wallet.models import FxPair, Jackpot
from wallet.services import wallet_deposit, wallet_open

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 - local demo login, printed by `make run`
# One demo login per staff role (docs/staff-roles.md), the password the user name; two Finance
# users, because a money operation needs a second one to approve it.
DEMO_STAFF = [
    ("support", "Support"),
    ("finance", "Finance"),
    ("finance2", "Finance"),
    ("operations", "Operations"),
    ("compliance", "Compliance"),
]
SANDBOX_CODE = "sandbox"
# The same sandbox server also plays Hub88 (sandbox_play --protocol hub88), with demo keys.
SANDBOX_HUB88_CODE = "sandbox-hub88"
SANDBOX_KEY_ID = "sandbox-key"
SANDBOX_SECRET = "sandbox-signing-secret"  # noqa: S105 - demo credentials of the built-in sandbox
# Where `make run` serves the sandbox aggregator (Procfile: sandbox_server --port 8100).
SANDBOX_URL = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8100")
# The players `sandbox_play` drives: sbx-player-1 .. sbx-player-20, funded in EUR.
SANDBOX_PLAYERS = 20
SANDBOX_PLAYER_FUNDING = 1_000_000  # minor units: EUR 10,000.00

DEMO_PLAYERS = [
    ("demo-alice", "MT", "EUR", 50_000),
    ("demo-bob", "DE", "EUR", 20_000),
    ("demo-carol", "GB", "GBP", 30_000),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent): an admin user, the sandbox aggregator, funded players."

    def handle(self, *args, **opts):
        if settings.CASINO_ENV != LOCAL:
            # Everything below is published in this repository: on a server anyone could log
            # in as admin/admin and sign wallet calls as the sandbox.
            raise CommandError(
                f"load_demo creates well-known logins and credentials (admin / admin, the sandbox's "
                f"secrets), so it runs only with CASINO_ENV=local (make run); this is CASINO_ENV="
                f"{settings.CASINO_ENV}. To start a real deployment: manage.py createsuperuser and "
                f"manage.py create_aggregator (README, docs/deploy.md)."
            )
        User = get_user_model()
        if not User.objects.filter(username=ADMIN_USERNAME).exists():
            User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", ADMIN_PASSWORD)
        for username, role in DEMO_STAFF:
            if not User.objects.filter(username=username).exists():
                user = User.objects.create_user(username, password=username, is_staff=True)
                user.groups.add(Group.objects.get(name=role))
        if not Aggregator.objects.filter(code=SANDBOX_CODE).exists():
            aggregator_create(
                code=SANDBOX_CODE,
                name="Sandbox aggregator",
                signing_secret=SANDBOX_SECRET,
                key_id=SANDBOX_KEY_ID,
                api_base_url=SANDBOX_URL,
            )
        Aggregator.objects.filter(code=SANDBOX_CODE, api_base_url="").update(api_base_url=SANDBOX_URL)
        sandbox_players = [
            (f"sbx-player-{i}", "MT", "EUR", SANDBOX_PLAYER_FUNDING) for i in range(1, SANDBOX_PLAYERS + 1)
        ]
        for external_id, country, currency, deposit in DEMO_PLAYERS + sandbox_players:
            player, created = Player.objects.get_or_create(external_id=external_id, defaults={"country": country})
            wallet = wallet_open(player=player, currency=currency)
            if created:
                wallet_deposit(wallet_id=wallet.pk, amount=deposit, memo="demo funding")
        sandbox = Aggregator.objects.get(code=SANDBOX_CODE)
        self.sync_sandbox_catalog(sandbox)
        self.sync_sandbox_catalog(self.sandbox_hub88())
        self.money_for_demo(sandbox)
        staff = ", ".join(f"{username} ({role})" for username, role in DEMO_STAFF)
        self.stdout.write(
            f"demo data loaded: admin login {ADMIN_USERNAME} / {ADMIN_PASSWORD}; staff {staff}, password = user name"
        )

    def money_for_demo(self, aggregator: Aggregator) -> None:
        """What docs/money.md adds, switched on for the sandbox: it may play dollars and pounds on
        euro wallets (rates from its own feed, FX_FEED_URL), every game feeds a 1 % jackpot, and
        each provider is paid 10 % of NGR."""
        for played in ("USD", "GBP"):
            FxPair.objects.get_or_create(aggregator=aggregator, played_id=played, wallet_currency_id="EUR")
        if not Jackpot.objects.filter(aggregator=aggregator, currency_id="EUR").exists():
            Jackpot.objects.create(
                name="Sandbox jackpot", aggregator=aggregator, currency_id="EUR", contribution_percent=Decimal(1)
            )
        for provider in Provider.objects.filter(aggregator=aggregator):
            ProviderContract.objects.get_or_create(provider=provider, defaults={"revenue_share_percent": Decimal(10)})

    def sandbox_hub88(self) -> Aggregator:
        """The sandbox as a Hub88 aggregator: its demo keys (sandbox/keys), operator id 1."""
        from sandbox.hub88 import key

        if not Aggregator.objects.filter(code=SANDBOX_HUB88_CODE).exists():
            aggregator_create(
                code=SANDBOX_HUB88_CODE,
                name="Sandbox aggregator (Hub88 protocol)",
                protocol=Aggregator.Protocol.HUB88,
                public_key_pem=key("hub88_public"),
                private_key_pem=key("operator_private"),
                operator_id=1,
                api_base_url=SANDBOX_URL,
            )
        return Aggregator.objects.get(code=SANDBOX_HUB88_CODE)

    def certify_for_demo(self, aggregator: Aggregator) -> None:
        """Hub88 lists no per-country certifications; for the demo, staff-style rows for the
        demo players' countries (a real Hub88 catalog is certified by compliance staff)."""
        from games.models import Certification

        for game in aggregator.games.all():
            for country in sorted({country for _, country, _, _ in DEMO_PLAYERS} | {"MT"}):
                Certification.objects.get_or_create(
                    game=game, country=country, rtp_profile=str(game.rtp or ""), build_hash="hub88-demo"
                )

    def sync_sandbox_catalog(self, aggregator: Aggregator) -> None:
        """A synced catalog from the first second of `make run`: a real sync over HTTP, against
        the sandbox if it already runs, else against one served here for the moment."""
        from games.catalog import catalog_sync
        from sandbox.server import SandboxState, serve_in_thread

        if aggregator.games.exists():
            return
        url = urlsplit(aggregator.api_base_url)
        server = None
        if url.hostname in ("127.0.0.1", "localhost") and url.port:
            try:
                server = serve_in_thread(SandboxState(key_id=aggregator.key_id, secret=SANDBOX_SECRET), port=url.port)
            except OSError:
                pass  # the port is taken: a sandbox is already up there
        try:
            run = catalog_sync(aggregator_id=aggregator.pk)
        finally:
            if server is not None:
                server.shutdown()
                server.server_close()
        self.stdout.write(
            f"{aggregator.code} catalog sync: {run.status}, {run.added} games added {run.errors}".rstrip()
        )
        if aggregator.protocol == Aggregator.Protocol.HUB88:
            self.certify_for_demo(aggregator)

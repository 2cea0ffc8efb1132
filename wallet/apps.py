from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "wallet"

    def ready(self) -> None:
        # The wallet's panels, player-page sections, player search and gauges (casino/backoffice.py).
        from wallet import dashboard

        dashboard.register()

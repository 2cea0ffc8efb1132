from django.apps import AppConfig


class GamesConfig(AppConfig):
    name = "games"

    def ready(self) -> None:
        # Catalog sync health on the dashboard and /metrics (casino/backoffice.py).
        from games import dashboard

        dashboard.register()

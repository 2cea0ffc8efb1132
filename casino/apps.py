from django.apps import AppConfig


class CasinoConfig(AppConfig):
    name = "casino"

    def ready(self):
        from casino.crypto import check_keys

        # A mistyped key must stop the deploy (web, worker, commands), not the first wallet call.
        check_keys()

from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "reconciliation"
    verbose_name = "Reconciliation (settlement webhooks, reports)"

    def ready(self) -> None:
        # Open discrepancies on the dashboard and in /metrics (casino/backoffice.py).
        from reconciliation import backoffice

        backoffice.register()

from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "reconciliation"
    verbose_name = "Reconciliation (settlement webhooks, reports)"

    def ready(self) -> None:
        # Discrepancies and stale rounds on the dashboard and /metrics (casino/backoffice.py).
        from reconciliation import dashboard

        dashboard.register()

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The fake aggregator for demos and tests. Installed only where CASINO_ENV=local: production
    code never imports it, and a production deployment does not even have its commands."""

    name = "sandbox"
    verbose_name = "Sandbox aggregator"

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackOfficeAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site: the index is the dashboard (casino/admin_site.py)."""

    default = False  # listed by its full path in INSTALLED_APPS; `casino` itself is CasinoConfig
    default_site = "casino.admin_site.BackOfficeSite"


class CasinoConfig(AppConfig):
    name = "casino"

    def ready(self):
        from casino import backoffice_panels
        from casino.crypto import check_keys

        # A mistyped key must stop the deploy (web, worker, commands), not the first wallet call.
        check_keys()
        # The ground floor's own figures on the dashboard, the player page and /metrics.
        backoffice_panels.register()

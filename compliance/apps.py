from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _roles_in_step(sender, apps=None, **kwargs) -> None:
    # After every migrate the groups hold exactly the permissions of compliance/roles.py, new
    # models' included. A flush sends this signal too, without `apps`: it is left alone (a test
    # database restoring its serialized rows after a flush would find the groups taken).
    if apps is None:
        return
    from compliance.roles import roles_sync

    roles_sync(apps=apps)


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance (responsible gaming, audit)"

    def ready(self) -> None:
        # The lower layers ask their RG questions through the seam (casino/responsible_gaming.py).
        from casino import responsible_gaming
        from compliance.audit import capture
        from compliance.rg.provider import ComplianceResponsibleGaming

        responsible_gaming.register(ComplianceResponsibleGaming())
        # The audit log: the seam for the lower layers (casino/audit.py) and the generic capture.
        capture.connect()
        # Runs after every app's permissions exist: Django's own post_migrate handlers (content
        # types, permissions) were connected before this app was ready.
        post_migrate.connect(_roles_in_step, sender=self, dispatch_uid="compliance.roles")

        # The player's RG state on the player page (casino/backoffice.py).
        from compliance import backoffice

        backoffice.register()

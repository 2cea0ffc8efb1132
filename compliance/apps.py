from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance (responsible gaming, audit)"

    def ready(self) -> None:
        # The lower layers ask their RG questions through the seam (casino/responsible_gaming.py).
        from casino import responsible_gaming
        from compliance.rg.provider import ComplianceResponsibleGaming

        responsible_gaming.register(ComplianceResponsibleGaming())

        # The player's RG state on the player page (casino/backoffice.py).
        from compliance import backoffice

        backoffice.register()

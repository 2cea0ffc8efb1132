"""The former player status "self_excluded" becomes what it meant: a self-exclusion of unknown
term ("legacy") with no end, recorded as an RG event; the status goes back to active, which
staff's dropdown can no longer use to lift it (compliance.models.RgExclusion)."""

from django.db import migrations
from django.utils import timezone


def forward(apps, schema_editor):
    Player = apps.get_model("casino", "Player")
    RgExclusion = apps.get_model("compliance", "RgExclusion")
    RgEvent = apps.get_model("compliance", "RgEvent")
    now = timezone.now()
    for player in Player.objects.filter(status="self_excluded").order_by("pk"):
        RgExclusion.objects.create(
            player=player, kind="self_exclusion", term="legacy", starts_at=now, ends_at=None, source="migration"
        )
        RgEvent.objects.create(
            player=player,
            kind="self_exclusion_started",
            detail={"term": "legacy", "ends_at": None, "source": "migration", "former_status": "self_excluded"},
            created_at=now,
        )
    # has_rg_state: their money calls read the exclusion under the wallet lock from now on.
    Player.objects.filter(status="self_excluded").update(status="active", has_rg_state=True)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_rg_exclusions_and_register_checks"),
        ("compliance", "0003_rg_limits"),
        ("casino", "0003_player_has_rg_state"),
    ]

    # Not reversible: turning exclusions back into a status would be a way to lift them.
    operations = [migrations.RunPython(forward)]

"""The staff roles (compliance/roles.py): the groups Operations, Support, Finance and
Compliance with exactly the permissions of the table there. Permissions are normally created
after all migrations (post_migrate); they are created here first, so that a fresh database gets
its groups filled. compliance/apps.py re-applies the table after every migrate."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from compliance.roles import ROLES, roles_sync


def forward(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True  # create_permissions skips apps without a models module
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(apps=apps)


def backward(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0005_audit_log"),
        ("wallet", "0004_money_requests_four_eyes"),
        ("games", "0001_catalog"),
        ("casino", "0005_game_session_play_started_at"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forward, backward)]

"""Create the three role groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from distribution.roles import CLERK_GROUP, STAFF_GROUP, SUPERVISOR_GROUP, ensure_roles


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make sure they
    # exist now so the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[STAFF_GROUP, CLERK_GROUP, SUPERVISOR_GROUP]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("receipts", "0001_initial_domain"),
        ("distribution", "0002_handover_dispatch_permissions"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]

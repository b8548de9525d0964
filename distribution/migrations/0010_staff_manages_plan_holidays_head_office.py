"""Give the staff group the permissions of the new models (printing plan, holidays, head office)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from distribution.roles import ensure_roles


def update_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0009_printing_plan_and_holidays"),
        ("receipts", "0008_head_office_and_structured_hours"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]

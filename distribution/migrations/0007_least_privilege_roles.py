"""Least privilege (issue 16, finding 2): the staff group holds only what its job needs.

Until now "Staf Disdukcapil" held every permission of ``receipts`` and ``distribution``,
including Officer rows, ``hand_over_card`` and ``undo_handover``: a member of staff could
add an Officer row for themselves as a counter supervisor and undo hand-overs. The groups
are recomputed from ``distribution.roles`` (which lists each role's permissions).
"""

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
        ("auditlog", "0017_add_actor_email"),
        ("receipts", "0005_event_actor_partial_index"),
        ("distribution", "0006_actors_received_printed_spoiled_published_by"),
    ]

    # No reverse that would give staff their old powers back: reversing leaves the groups
    # as they are.
    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]

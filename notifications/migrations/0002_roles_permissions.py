"""Staff manage notifications; clerks and supervisors may record contact and consent."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from distribution.roles import CLERK_GROUP, STAFF_GROUP, SUPERVISOR_GROUP


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate): create this
    # app's now, so the groups can be given them in the same `migrate`.
    app_config = apps.get_app_config("notifications")
    app_config.models_module = True  # a migration's app stub lacks it; Django's own recipe
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    mine = Permission.objects.filter(content_type__app_label="notifications")
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(*mine)
    for name in (CLERK_GROUP, SUPERVISOR_GROUP):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*mine.filter(codename="record_consent"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    mine = Permission.objects.filter(content_type__app_label="notifications")
    for group in Group.objects.filter(name__in=[STAFF_GROUP, CLERK_GROUP, SUPERVISOR_GROUP]):
        group.permissions.remove(*mine)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_messages_templates_consent"),
        ("distribution", "0004_staff_reads_audit_log"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

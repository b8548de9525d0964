"""Staff manage notifications (the subset distribution/roles.py lists); clerks and
supervisors may record contact and consent at the counter."""

from django.db import migrations

from distribution.roles import CLERK_GROUP, STAFF_GROUP, STAFF_PERMISSIONS, SUPERVISOR_GROUP

MODELS = {
    "message": "pesan",
    "messagetemplate": "templat pesan",
    "channelorder": "urutan saluran",
    "channeloptout": "penolakan pesan",
    "residentlanguage": "bahasa pesan",
    "consentevent": "riwayat persetujuan",
    "inboundmessage": "pesan masuk",
}
EXTRA = {
    ("message", "resend_message"): "Boleh mengirim ulang pesan yang gagal",
    ("consentevent", "record_consent"): "Boleh mencatat kontak dan persetujuan di loket",
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create this
    # app's here (get_or_create: post_migrate may have made them already) so the groups
    # can be given them in the same `migrate`.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    mine = []
    for model, label in MODELS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="notifications", model=model)
        codes = {
            f"{action}_{model}": f"Can {action} {label}"
            for action in ("add", "change", "delete", "view")
        }
        codes.update({code: name for (m, code), name in EXTRA.items() if m == model})
        for codename, name in codes.items():
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            mine.append(permission)
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    # Least privilege (distribution/roles.py lists what staff hold): no delete, no consent.
    staff.permissions.add(*[p for p in mine if f"notifications.{p.codename}" in STAFF_PERMISSIONS])
    consent = [p for p in mine if p.codename == "record_consent"]
    for name in (CLERK_GROUP, SUPERVISOR_GROUP):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*consent)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    mine = Permission.objects.filter(content_type__app_label="notifications")
    for group in Group.objects.filter(name__in=[STAFF_GROUP, CLERK_GROUP, SUPERVISOR_GROUP]):
        group.permissions.remove(*mine)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_messages_templates_consent"),
        ("distribution", "0007_least_privilege_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

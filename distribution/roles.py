"""The three roles of the portal, as Django groups, and the permissions each holds.

The groups are created by migration ``0003_roles`` and kept in step by ``ensure_roles``.
A clerk or supervisor also has an ``Officer`` row naming their kecamatan: the group says
what they may do, the Officer row says on which cards.
"""

STAFF_GROUP = "Staf Disdukcapil"
CLERK_GROUP = "Petugas loket"
SUPERVISOR_GROUP = "Supervisor kecamatan"
# Not a role: a marker on the accounts ``seed_demo`` makes (the admin flags them, and
# ``check --database default`` warns when one is active in production).
DEMO_GROUP = "Akun demo"

# Disdukcapil staff manage everything of the two apps (in the admin and the staff pages).
STAFF_APPS = ("receipts", "distribution", "notifications")
# ...and may read, never change, the audit trail.
STAFF_EXTRA_PERMISSIONS = ("auditlog.view_logentry",)

CLERK_PERMISSIONS = (
    "receipts.view_receipt",
    "receipts.view_resident",
    "distribution.view_handover",
    "distribution.hand_over_card",
    "distribution.view_dispatch",
    "distribution.receive_dispatch",
    "distribution.view_pickupschedule",
    # Correct a resident's phone/e-mail and record consent at the counter (notifications).
    "notifications.record_consent",
)
SUPERVISOR_PERMISSIONS = CLERK_PERMISSIONS + ("distribution.undo_handover",)


def ensure_roles(group_model, permission_model) -> None:
    """Create or update the three groups. Takes the models so migrations can pass historical ones."""

    def perms(codes):
        found = []
        for code in codes:
            app_label, codename = code.split(".")
            found.extend(
                permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        return found

    staff, _ = group_model.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.set(
        [
            *permission_model.objects.filter(content_type__app_label__in=STAFF_APPS),
            *perms(STAFF_EXTRA_PERMISSIONS),
        ]
    )
    clerk, _ = group_model.objects.get_or_create(name=CLERK_GROUP)
    clerk.permissions.set(perms(CLERK_PERMISSIONS))
    supervisor, _ = group_model.objects.get_or_create(name=SUPERVISOR_GROUP)
    supervisor.permissions.set(perms(SUPERVISOR_PERMISSIONS))

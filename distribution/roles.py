"""The three roles of the portal, as Django groups, and the permissions each holds.

The groups are created by migration ``0003_roles`` and kept in step by ``ensure_roles``
(each change of a role's permissions is a data migration calling it, e.g.
``0007_least_privilege_roles``).
A clerk or supervisor also has an ``Officer`` row naming their kecamatan: the group says
what they may do, the Officer row says on which cards.
"""

STAFF_GROUP = "Staf Disdukcapil"
CLERK_GROUP = "Petugas loket"
SUPERVISOR_GROUP = "Supervisor kecamatan"
# Not a role: a marker on the accounts ``seed_demo`` makes (the admin flags them, and
# ``check --database default`` warns when one is active in production).
DEMO_GROUP = "Akun demo"

# Least privilege (issue 16, finding 2): each role holds what its job needs and nothing else;
# docs/security.md has the same table. Staff run the import, printing, dispatch and pickup days
# (staff pages, admin, exports) and may confirm a dispatch's arrival on a kecamatan's behalf.
# They never hand cards over or undo hand-overs (the counter's job, scoped by an Officer row),
# never manage Officer rows or user accounts (superusers only), and delete nothing: history
# is protected, and a mistake is corrected by a later change that the audit trail records.
STAFF_PERMISSIONS = (
    "receipts.view_kecamatan",
    "receipts.change_kecamatan",
    # The head office's contact shown to residents (issue 17), one row: no add, no delete.
    "receipts.view_headoffice",
    "receipts.change_headoffice",
    "receipts.view_kelurahan",
    "receipts.view_resident",
    "receipts.add_resident",
    "receipts.change_resident",
    "receipts.view_receipt",
    "receipts.add_receipt",
    "receipts.change_receipt",
    "receipts.view_receiptevent",
    "distribution.view_blankbatch",
    "distribution.add_blankbatch",
    "distribution.view_printrun",
    "distribution.add_printrun",
    "distribution.change_printrun",
    "distribution.view_card",
    "distribution.change_card",
    "distribution.view_dispatch",
    "distribution.add_dispatch",
    "distribution.receive_dispatch",
    "distribution.view_dispatchitem",
    "distribution.view_pickupschedule",
    "distribution.add_pickupschedule",
    # Correct or cancel a published day (/staf/jadwal/); a cancel is a correction, audited.
    "distribution.change_pickupschedule",
    "distribution.view_iddocumenttype",
    "distribution.add_iddocumenttype",
    "distribution.change_iddocumenttype",
    "distribution.view_handover",
    # The printing capacity and holidays behind the public waiting-time estimate (issue 17).
    "distribution.view_printingplan",
    "distribution.change_printingplan",
    "distribution.view_holiday",
    "distribution.add_holiday",
    "distribution.change_holiday",
    # Notifications: figures, failed messages and resend, texts, channel order; consent and
    # inbound messages are read-only (they change through residents and the counter).
    "notifications.view_message",
    "notifications.resend_message",
    "notifications.view_messagetemplate",
    "notifications.add_messagetemplate",
    "notifications.change_messagetemplate",
    "notifications.view_channelorder",
    "notifications.change_channelorder",
    "notifications.view_channeloptout",
    "notifications.view_consentevent",
    "notifications.view_inboundmessage",
    # ...and may read, never change, the audit trail (of the models above only: the
    # LogEntry admin hides rows of models the reader may not view, e.g. auth.User).
    "auditlog.view_logentry",
)

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
    staff.permissions.set(perms(STAFF_PERMISSIONS))
    clerk, _ = group_model.objects.get_or_create(name=CLERK_GROUP)
    clerk.permissions.set(perms(CLERK_PERMISSIONS))
    supervisor, _ = group_model.objects.get_or_create(name=SUPERVISOR_GROUP)
    supervisor.permissions.set(perms(SUPERVISOR_PERMISSIONS))

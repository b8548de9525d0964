from django.contrib.auth.models import Group


def test_roles_exist_after_migrate_with_their_permissions(db):
    clerk = Group.objects.get(name="Petugas loket")
    supervisor = Group.objects.get(name="Supervisor kecamatan")
    staff = Group.objects.get(name="Staf Disdukcapil")
    assert clerk.permissions.filter(codename="hand_over_card").exists()
    assert not clerk.permissions.filter(codename="undo_handover").exists()
    assert supervisor.permissions.filter(codename="undo_handover").exists()
    assert staff.permissions.filter(codename="add_printrun").exists()


def test_clerk_persona_can_hand_over_but_not_undo(clerk_selatan, supervisor_selatan):
    assert clerk_selatan.has_perm("distribution.hand_over_card")
    assert not clerk_selatan.has_perm("distribution.undo_handover")
    assert supervisor_selatan.has_perm("distribution.undo_handover")

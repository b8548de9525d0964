"""A stale undo form never undoes a newer hand-over (issue 16, finding 12).

Clerk 1 hands card X over (H1); supervisor A opens the undo form; supervisor B undoes H1;
clerk 2 hands X over again (H2); A submits the old form. Before: H2 was undone with a reason
written for H1, and the card showed `ready` although the resident had left with it.
Real sessions: four logged-in clients going through the pages.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from distribution.models import HandOver, Officer
from receipts.models import Status
from tests.factories import OfficerFactory, UserFactory


@pytest.fixture
def supervisor_b(selatan):
    from django.contrib.auth.models import Group

    from distribution.roles import SUPERVISOR_GROUP

    user = UserFactory(username="spv2.selatan")
    OfficerFactory(user=user, kecamatan=selatan, role=Officer.Role.SUPERVISOR)
    user.groups.add(Group.objects.get(name=SUPERVISOR_GROUP))
    return user


def session(user):
    client = Client()
    client.force_login(user)
    return client


def hand_over(client, number):
    response = client.post(
        reverse("loket:receipt", args=[number]),
        {"collected_by": "resident", "identity_check": "receipt"},
    )
    assert response.status_code == 302


def test_stale_undo_form_is_refused_and_the_new_hand_over_stays(
    card_selatan, clerk_selatan, clerk_selatan_2, supervisor_selatan, supervisor_b
):
    number = card_selatan.receipt.number
    undo_url = reverse("loket:undo", args=[number])
    clerk_1, clerk_2 = session(clerk_selatan), session(clerk_selatan_2)
    sup_a, sup_b = session(supervisor_selatan), session(supervisor_b)

    hand_over(clerk_1, number)
    first = HandOver.objects.get()
    form_page = sup_a.get(undo_url).content.decode()
    opened_for = re.search(r'name="handover" value="(\d+)"', form_page).group(1)
    assert opened_for == str(first.pk)

    form_b = sup_b.get(undo_url).content.decode()
    b_for = re.search(r'name="handover" value="(\d+)"', form_b).group(1)
    assert sup_b.post(undo_url, {"reason": "Salah orang", "handover": b_for}).status_code == 302
    hand_over(clerk_2, number)
    second = HandOver.objects.exclude(pk=first.pk).get()

    stale = sup_a.post(undo_url, {"reason": "Alasan untuk H1", "handover": opened_for})

    assert stale.status_code == 409
    page = stale.content.decode()
    assert "sudah diserahkan lagi" in page
    # The fresh form names the current hand-over and keeps the reason typed.
    assert f'name="handover" value="{second.pk}"' in page
    assert "Alasan untuk H1" in page
    second.refresh_from_db()
    assert second.undone_at is None
    card_selatan.receipt.refresh_from_db()
    assert card_selatan.receipt.status == Status.COLLECTED


def test_undo_form_without_the_hand_over_is_refused(
    card_selatan, clerk_selatan, supervisor_selatan
):
    number = card_selatan.receipt.number
    hand_over(session(clerk_selatan), number)
    response = session(supervisor_selatan).post(
        reverse("loket:undo", args=[number]), {"reason": "Salah orang"}
    )
    assert response.status_code == 400
    assert HandOver.objects.get().undone_at is None

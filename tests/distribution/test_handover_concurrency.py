"""Exactly once: clerks pressing "serahkan" on the same card at the same moment (PostgreSQL)."""

import threading

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection

from distribution.models import HandOver
from distribution.roles import CLERK_GROUP, ensure_roles
from distribution.services import HandOverError, handover_record
from receipts.models import ReceiptEvent, Status
from tests.factories import OfficerFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def clerks_of(kecamatan, count):
    # A transactional test flushes the tables, groups from the data migration included.
    ensure_roles(Group, Permission)
    group = Group.objects.get(name=CLERK_GROUP)
    users = []
    for i in range(count):
        user = OfficerFactory(user=UserFactory(username=f"loket{i}.race"), kecamatan=kecamatan).user
        user.groups.add(group)
        users.append(user)
    return users


def race(card, clerks):
    barrier = threading.Barrier(len(clerks))
    done, refused, crashed = [], [], []

    def press(clerk):
        try:
            barrier.wait(timeout=10)
            handover_record(
                receipt=card.receipt,
                actor=clerk,
                collected_by=HandOver.CollectedBy.RESIDENT,
                identity_check=HandOver.IdentityCheck.RECEIPT,
            )
            done.append(clerk)
        except HandOverError as error:
            refused.append(error)
        except Exception as error:  # noqa: BLE001 - the test reports any other failure
            crashed.append(error)
        finally:
            # Each thread has its own connection; close it so the test database can be dropped.
            connection.close()

    threads = [threading.Thread(target=press, args=(clerk,)) for clerk in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return done, refused, crashed


@pytest.mark.parametrize("clerk_count", [2, 8])
def test_simultaneous_hand_overs_make_exactly_one(card_selatan, selatan, clerk_count):
    clerks = clerks_of(selatan, clerk_count)
    done, refused, crashed = race(card_selatan, clerks)
    assert crashed == []
    assert len(done) == 1
    assert len(refused) == clerk_count - 1
    winner = done[0].get_username()
    assert all(f"oleh {winner}" in error.message for error in refused)
    assert HandOver.objects.filter(card=card_selatan).count() == 1
    receipt = card_selatan.receipt
    receipt.refresh_from_db()
    assert receipt.status == Status.COLLECTED
    assert ReceiptEvent.objects.filter(receipt=receipt, to_status=Status.COLLECTED).count() == 1

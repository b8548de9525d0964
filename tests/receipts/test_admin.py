"""The admin of receipts, residents and regions: staff can find, read and (through the
service) move receipts, and the pages stay cheap on a big table."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from receipts.models import Receipt, ReceiptEvent, Status
from tests.factories import KelurahanFactory, ReceiptFactory, ResidentFactory

RECEIPT_MODELS = ["kecamatan", "kelurahan", "resident", "receipt", "receiptevent"]


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("persona", ["staff", "superuser"])
@pytest.mark.parametrize("model", RECEIPT_MODELS)
def test_staff_and_superuser_open_every_receipts_admin_page(
    client, request, receipt, persona, model
):
    client.force_login(request.getfixturevalue(persona))
    objects = {
        "kecamatan": receipt.collection_kecamatan,
        "kelurahan": receipt.resident.kelurahan,
        "resident": receipt.resident,
        "receipt": receipt,
        "receiptevent": receipt.events.first(),
    }
    assert client.get(reverse(f"admin:receipts_{model}_changelist")).status_code == 200
    url = reverse(f"admin:receipts_{model}_change", args=[objects[model].pk])
    assert client.get(url).status_code == 200


def test_receipt_page_shows_status_read_only_and_the_event_history(staff_client, receipt):
    response = staff_client.get(reverse("admin:receipts_receipt_change", args=[receipt.pk]))
    content = response.content.decode()
    assert 'name="status"' not in content
    assert "Sudah rekam" in content
    assert 'name="move_to"' in content
    # The history inline is read-only: no add row and no delete box.
    assert 'name="events-0-note"' not in content
    assert "events-TOTAL_FORMS" in content


def _search(client, term):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:receipts_receipt_changelist"), {"q": term})
    assert response.status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    if any(ch.isdigit() for ch in term):
        # Numbers and NIKs: btree equality or prefix, never a leading wildcard. (Names match
        # any word through the trigram index: test_admin_searches_can_be_served_by_indexes.)
        assert "LIKE '%" not in sql.upper().replace("LIKE UPPER('%", "LIKE '%")
    assert "ILIKE" not in sql.upper()
    return list(response.context["cl"].result_list)


@pytest.fixture
def three_receipts(sepinggan):
    siti = ReceiptFactory(
        number="BPN1708010001",
        resident=ResidentFactory(full_name="Siti Wahyuni", kelurahan=sepinggan),
    )
    budi = ReceiptFactory(
        number="BPN1708020001",
        resident=ResidentFactory(full_name="Budi Santoso", kelurahan=sepinggan),
    )
    sitti = ReceiptFactory(
        number="BPN1609010001",
        resident=ResidentFactory(full_name="Wahyu Siti", kelurahan=sepinggan),
    )
    return siti, budi, sitti


def test_search_finds_a_receipt_by_its_number_typed_with_dashes(staff_client, three_receipts):
    siti, _, _ = three_receipts
    assert _search(staff_client, "bpn-170801-0001") == [siti]


def test_search_by_the_beginning_of_a_number(staff_client, three_receipts):
    siti, budi, _ = three_receipts
    assert set(_search(staff_client, "BPN1708")) == {siti, budi}


def test_search_by_nik_is_exact(staff_client, three_receipts):
    _, budi, _ = three_receipts
    assert _search(staff_client, budi.resident.nik) == [budi]
    assert _search(staff_client, budi.resident.nik[:12] + "9999") == []


def test_search_by_name_matches_any_word_by_its_beginning(staff_client, three_receipts):
    # As at the counter (receipts.name_search): "Aminah" finds "Siti Aminah".
    siti, budi, wahyu_siti = three_receipts
    assert set(_search(staff_client, "siti wah")) == {siti, wahyu_siti}
    assert set(_search(staff_client, "SANTOSO")) == {budi}
    assert set(_search(staff_client, "wahyuni")) == {siti}
    assert _search(staff_client, "ahyu") == []


def test_staff_puts_a_receipt_on_hold_through_the_change_form(staff_client, staff, receipt):
    url = reverse("admin:receipts_receipt_change", args=[receipt.pk])
    response = staff_client.post(
        url,
        {
            "recorded_at_0": "2017-03-01",
            "recorded_at_1": "10:00:00",
            "recorded_place": receipt.recorded_place,
            "collection_kecamatan": receipt.collection_kecamatan_id,
            "move_to": "on_hold",
            "move_note": "Data ganda",
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "1",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "0",
            "events-0-id": receipt.events.first().pk,
            "events-0-receipt": receipt.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    receipt.refresh_from_db()
    assert receipt.status == Status.ON_HOLD
    event = receipt.events.latest("id")
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "recorded",
        "on_hold",
        staff,
        "Data ganda",
    )


def test_change_form_offers_no_transition_outside_the_table(staff_client, receipt):
    receipt_cancelled = ReceiptFactory(status=Status.CANCELLED)
    url = reverse("admin:receipts_receipt_change", args=[receipt_cancelled.pk])
    form = staff_client.get(url).context["adminform"].form
    assert [c for c, _ in form.fields["move_to"].choices if c] == []


def _action(client, receipts, to, note="catatan"):
    return client.post(
        reverse("admin:receipts_receipt_changelist"),
        {
            "action": "change_status",
            "_selected_action": [r.pk for r in receipts],
            "to_status": to,
            "note": note,
        },
        follow=True,
    )


def test_status_action_moves_receipts_through_the_service(staff_client, staff, receipt):
    response = _action(staff_client, [receipt], "cancelled", "Pindah ke luar kota")
    receipt.refresh_from_db()
    assert receipt.status == Status.CANCELLED
    assert receipt.events.latest("id").actor == staff
    assert any("1 resi dipindahkan" in m for m in _messages(response))


def test_refused_transition_is_an_error_message_and_changes_nothing(staff_client, receipt):
    cancelled = ReceiptFactory(status=Status.CANCELLED)
    events_before = ReceiptEvent.objects.filter(receipt=cancelled).count()
    response = _action(staff_client, [cancelled], "on_hold")
    cancelled.refresh_from_db()
    assert cancelled.status == Status.CANCELLED
    assert ReceiptEvent.objects.filter(receipt=cancelled).count() == events_before
    assert any("tidak bisa diubah" in m for m in _messages(response))


def test_status_action_refuses_targets_owned_by_other_pages(staff_client, receipt):
    _action(staff_client, [receipt], "queued")
    receipt.refresh_from_db()
    assert receipt.status == Status.RECORDED
    assert receipt.events.count() == 1


def test_adding_a_receipt_in_the_admin_writes_its_first_event(staff_client, staff, resident):
    response = staff_client.post(
        reverse("admin:receipts_receipt_add"),
        {
            "number": "bpn 180201 0007",
            "resident": resident.pk,
            "recorded_at_0": "2018-02-01",
            "recorded_at_1": "09:30:00",
            "recorded_place": "Disdukcapil Kota Balikpapan",
            "collection_kecamatan": "",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    receipt = Receipt.objects.get(number="BPN1802010007")
    assert receipt.status == Status.RECORDED
    assert receipt.collection_kecamatan == resident.kelurahan.kecamatan
    event = receipt.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", "recorded", staff)


def test_adding_a_second_open_receipt_for_a_resident_is_refused(staff_client, receipt):
    response = staff_client.post(
        reverse("admin:receipts_receipt_add"),
        {
            "number": "BPN1802010008",
            "resident": receipt.resident.pk,
            "recorded_at_0": "2018-02-01",
            "recorded_at_1": "09:30:00",
            "recorded_place": "Disdukcapil",
            "collection_kecamatan": "",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Receipt.objects.filter(number="BPN1802010008").exists()


def test_stale_filter_and_flag_show_receipts_stuck_in_printed(staff_client, settings, receipt):
    settings.STALE_AFTER_DAYS = 60
    stuck = ReceiptFactory(status=Status.PRINTED)
    Receipt.objects.filter(pk=stuck.pk).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=61)
    )
    fresh = ReceiptFactory(status=Status.PRINTED)
    response = staff_client.get(reverse("admin:receipts_receipt_changelist"), {"macet": "ya"})
    assert list(response.context["cl"].result_list) == [stuck]
    assert fresh not in response.context["cl"].result_list


def _make_receipts(n, kelurahan):
    for _ in range(n):
        ReceiptFactory(resident=ResidentFactory(kelurahan=kelurahan))


def test_receipt_changelist_queries_do_not_grow_with_rows(
    staff_client, django_assert_num_queries, sepinggan
):
    url = reverse("admin:receipts_receipt_changelist")
    _make_receipts(5, sepinggan)
    with CaptureQueriesContext(connection) as five:
        staff_client.get(url)
    _make_receipts(45, KelurahanFactory())
    with django_assert_num_queries(len(five.captured_queries)):
        response = staff_client.get(url)
    assert len(response.context["cl"].result_list) == 50


def test_resident_form_refuses_a_nik_that_contradicts_the_birth_date(staff_client, resident):
    response = staff_client.post(
        reverse("admin:receipts_resident_change", args=[resident.pk]),
        {
            "nik": resident.nik,
            "full_name": resident.full_name,
            "birth_date": "1991-03-14",
            "sex": "P",
            "kelurahan": resident.kelurahan_id,
        },
    )
    assert response.status_code == 200
    assert "NIK tidak cocok dengan tanggal lahir" in response.content.decode()
    resident.refresh_from_db()
    assert resident.birth_date == datetime.date(1990, 3, 14)


def test_resident_search_by_any_name_word_and_nik(staff_client, resident):
    url = reverse("admin:receipts_resident_changelist")
    assert list(staff_client.get(url, {"q": "siti w"}).context["cl"].result_list) == [resident]
    assert list(staff_client.get(url, {"q": resident.nik}).context["cl"].result_list) == [resident]
    assert list(staff_client.get(url, {"q": "wahyuni"}).context["cl"].result_list) == [resident]
    assert list(staff_client.get(url, {"q": "ahyuni"}).context["cl"].result_list) == []


def test_placeholder_kecamatan_warns_on_its_page(staff_client, selatan):
    selatan.contact_is_placeholder = True
    selatan.save()
    response = staff_client.get(reverse("admin:receipts_kecamatan_change", args=[selatan.pk]))
    assert any("masih CONTOH" in m for m in _messages(response))


@pytest.mark.postgres
@pytest.mark.parametrize("term", ["BPN1708", "BPN-170801-0001", "siti wah", "NIK"])
def test_admin_searches_can_be_served_by_indexes(three_receipts, term):
    from receipts.admin import search_receipts

    if term == "NIK":
        term = three_receipts[0].resident.nik
    queryset = search_receipts(Receipt.objects.select_related("resident"), term)
    with connection.cursor() as cursor:
        # With sequential scans priced out, a plan still holding one has no usable index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert "Seq Scan on receipts_re" not in plan, plan


@pytest.mark.postgres
def test_unfiltered_receipt_list_estimates_its_count_instead_of_counting(
    staff_client, sepinggan, monkeypatch
):
    from receipts.admin import EstimatedCountPaginator

    _make_receipts(3, sepinggan)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE receipts_receipt")
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_ABOVE", 0)
    url = reverse("admin:receipts_receipt_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(url)
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "COUNT(*)" in s and "receipts_receipt" in s]
    assert response.context["cl"].result_count == 3
    # Filtered lists are counted exactly.
    with CaptureQueriesContext(connection) as queries:
        staff_client.get(url, {"status__exact": "recorded"})
    assert any("COUNT(*)" in q["sql"] for q in queries.captured_queries)


def test_transition_refused_when_the_status_changed_meanwhile(staff_client, staff, receipt):
    from receipts.services import receipt_transition

    url = reverse("admin:receipts_receipt_change", args=[receipt.pk])
    staff_client.get(url)  # the form offered "on_hold" for a recorded receipt
    receipt_transition(receipt=receipt, to=Status.CANCELLED, actor=staff)
    response = staff_client.post(
        url,
        {
            "recorded_at_0": "2017-03-01",
            "recorded_at_1": "10:00:00",
            "recorded_place": receipt.recorded_place,
            "collection_kecamatan": receipt.collection_kecamatan_id,
            "move_to": "on_hold",
            "events-TOTAL_FORMS": "2",
            "events-INITIAL_FORMS": "2",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "move_to" in response.context["adminform"].form.errors
    receipt.refresh_from_db()
    assert receipt.status == Status.CANCELLED
    assert receipt.events.count() == 2

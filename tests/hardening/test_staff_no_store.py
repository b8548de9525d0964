"""Staff pages and exports are never stored by a browser or proxy (issue 16, finding 6)."""

from django.urls import reverse

from tests.factories import PrintRunFactory


def assert_private_no_store(response):
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_staff_pages_are_private_no_store(staff_client, staff):
    run = PrintRunFactory(created_by=staff)
    for url in (
        reverse("staf:dashboard"),
        reverse("staf:run_new"),
        reverse("staf:run_detail", args=[run.pk]),
    ):
        assert_private_no_store(staff_client.get(url))


def test_staff_exports_are_private_no_store(staff_client, staff):
    run = PrintRunFactory(created_by=staff)
    assert_private_no_store(staff_client.get(reverse("ekspor:print_list", args=[run.pk])))
    assert_private_no_store(staff_client.get(reverse("ekspor:receipts")))


def test_admin_import_page_is_private_no_store(staff_client):
    assert_private_no_store(staff_client.get("/admin/receipts/import/"))

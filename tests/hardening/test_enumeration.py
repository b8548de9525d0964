"""Anti-enumeration: an unknown and a malformed receipt number look alike to a scraper.

Both are a 4xx from the same page shape, of about the same size, stored nowhere, and say
nothing but "not found" / "check the number". Timings are measured by bench/enumeration.py,
not asserted here (the machine is shared and noisy).
"""

import re

import pytest

from tests.factories import ReceiptFactory

UNKNOWN = ["BPN1708010002", "BPN1708019999", "ZZZ999999", "BPN17080200010001"]
MALFORMED = ["ZZ", "<script>", "BPN-1708-01-0001!", "X" * 30, "1' OR '1'='1"]


def _skeleton(html: str) -> list[str]:
    """The page's structure: its block tags in order, without attributes, text or paragraphs.

    Paragraphs are left out: the 400 page adds the field's error message as one.
    """
    main = html[html.index("<main") : html.index("</main>")]
    return [t for t in re.findall(r"</?([a-z0-9]+)", main) if t not in {"p", "strong"}]


def _without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _lookup(client, number):
    return client.get("/cek/", {"nomor": number})


@pytest.fixture
def existing(receipt):
    # A neighbour of the unknown numbers above: one digit away from BPN1708010002.
    assert receipt.number == "BPN1708010001"
    return receipt


def test_unknown_and_malformed_numbers_get_the_same_kind_of_page(client, existing):
    unknown = [_lookup(client, n) for n in UNKNOWN]
    malformed = [_lookup(client, n) for n in MALFORMED]
    assert {r.status_code for r in unknown} == {404}
    assert {r.status_code for r in malformed} == {400}
    for response in unknown + malformed:
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Type"] == "text/html; charset=utf-8"
    # Same shape: the heading, a sentence, the lookup form again, the tips.
    shapes = {tuple(_skeleton(r.content.decode())) for r in unknown + malformed}
    assert len(shapes) == 1, shapes
    sizes = [len(r.content) for r in unknown + malformed]
    assert max(sizes) <= min(sizes) * 1.15, sizes  # within 15% (measured: 2,2xx-2,4xx bytes)


def test_a_near_miss_says_no_more_than_a_far_miss(client, existing):
    """One digit away from a real receipt or nowhere near one: the same page but the number."""
    near = _lookup(client, "BPN1708010002").content.decode().replace("BPN1708010002", "N")
    far = _lookup(client, "ZZZ999999").content.decode().replace("ZZZ999999", "N")
    near, far = _without_token(near), _without_token(far)
    assert near == far


def test_not_found_pages_reveal_nothing_about_other_receipts(client, existing):
    resident = existing.resident
    for number in UNKNOWN + MALFORMED:
        body = _lookup(client, number).content.decode()
        for secret in (
            resident.full_name,
            "S*** W",
            resident.nik,
            existing.number,
            existing.collection_kecamatan.address,
        ):
            assert secret not in body, (number, secret)


def test_the_api_answers_404_and_400_with_the_same_keys(client, existing):
    not_found = client.get("/api/v1/receipts/BPN1708010002/")
    malformed = client.get("/api/v1/receipts/ZZ/")
    assert (not_found.status_code, malformed.status_code) == (404, 400)
    assert set(not_found.json()) == set(malformed.json()) == {"error", "message"}
    for header in ("Content-Type", "Cache-Control", "Content-Disposition"):
        assert not_found[header] == malformed[header]
    assert abs(len(not_found.content) - len(malformed.content)) < 120


def test_unknown_lookup_costs_one_query_whatever_exists(
    client, existing, django_assert_num_queries, settings
):
    """Unknown numbers cost the same however many receipts exist, one query (the index)."""
    settings.LOOKUP_CACHE_SECONDS = 600  # as in production: the stamp brings the head office
    ReceiptFactory.create_batch(5)
    with django_assert_num_queries(1):
        assert _lookup(client, "BPN1708010002").status_code == 404
    with django_assert_num_queries(0):
        assert _lookup(client, "ZZ").status_code == 400

"""The forces list: every force in alphabetical order, with a search box that works without
JavaScript (a GET form) and says when nothing matches."""

import re

import pytest
from django.urls import reverse

from cpinspect.registry.reference_data import load

pytestmark = pytest.mark.django_db


def _names(page: str) -> list[str]:
    body = page.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in page else ""
    return re.findall(r'<th scope="row"[^>]*><a [^>]*>([^<]+)</a>', body)


@pytest.fixture
def all_forces(db):
    load()


def test_every_force_is_listed_in_alphabetical_order(all_forces, client):
    names = _names(client.get(reverse("force-list")).content.decode())
    assert len(names) == 43
    assert names == sorted(names, key=str.casefold)
    assert names[0] == "Avon and Somerset"


def test_a_search_keeps_the_forces_whose_name_matches(all_forces, client):
    page = client.get(reverse("force-list"), {"q": "  york "}).content.decode()
    names = _names(page)
    assert "Kent" not in names
    assert names == ["North Yorkshire", "South Yorkshire", "West Yorkshire"]
    assert f"{len(names)} of 43 forces match" in page
    assert 'value="york"' in page and "Clear search" in page


def test_a_search_that_matches_nothing_says_so(all_forces, client):
    page = client.get(reverse("force-list"), {"q": "Atlantis"}).content.decode()
    assert _names(page) == []
    assert "No force matches &lsquo;Atlantis&rsquo;" in page

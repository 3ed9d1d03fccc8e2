"""Every page carries a Content Security Policy that allows only our own scripts and styles;
the one inline script carries that response's nonce, and no page has an inline style."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def test_pages_allow_only_our_own_scripts_and_styles(client):
    response = client.get(reverse("home"))
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    (nonce,) = [v for v in policy["script-src"] if v.startswith("'nonce-")]
    assert policy["script-src"] == ["'self'", nonce]
    # the inline script runs because it carries this response's nonce
    inline = re.findall(r"<script nonce=\"([^\"]+)\">", response.content.decode())
    assert inline == [nonce.removeprefix("'nonce-").removesuffix("'")]


def test_each_response_has_its_own_nonce(client):
    first, second = (_policy(client.get("/"))["script-src"][1] for _ in range(2))
    assert first != second


def test_no_page_has_an_inline_style_or_an_unnonced_script(client, people):
    client.force_login(people["lead"])
    for path in ("/", "/forces/", "/national/", "/inspections/", "/planning/"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert not re.search(r"\sstyle=\"", page), path
        assert "<style" not in page, path
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or "nonce=" in tag, (path, tag)


def test_the_admin_runs_under_the_same_policy(client, people):
    """Django's admin ships no inline script or style, so the policy does not break it."""
    client.force_login(people["administrator"])
    change = f"/admin/accounts/user/{people['lead'].pk}/change/"
    for path in ("/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/", change):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert "Content-Security-Policy" in response
        page = response.content.decode()
        assert not re.search(r"\sstyle=\"", page), path
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)

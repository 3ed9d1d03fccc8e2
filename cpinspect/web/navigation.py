"""The service navigation (GOV.UK service navigation component): the links in the header,
with the one for the page's section marked current.

Who sees which link is asked of ``accounts/access.py`` and the user's flags, as the pages
themselves do; the navigation only offers a way to a page, it never grants one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from cpinspect.accounts import access


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    # "page" when this is the item's own page, "true" when the page is inside its section
    # (the GOV.UK service navigation's two aria-current values), "" otherwise
    current: str = ""


# (label, URL name, further path prefixes that belong to the same section)
PUBLIC_ITEMS = [
    ("Forces", "force-list", ()),
    ("Published reports", "report-list", ()),
    ("National picture", "national-picture", ()),
    ("Open data", "open-data", ()),
]


def _signed_in_items(user) -> list[tuple[str, str, tuple[str, ...]]]:
    items = [("My inspections", "dashboard", ())]
    if user.is_inspectorate_staff:
        items.append(("Planning", "plan-index", ("/programmes/", "/plans/", "/calendars/")))
    if access.can_manage_people(user):
        items.append(("People", "people-list", ()))
    if user.is_staff:
        items.append(("Audit trail", "audit-changes", ("/audit/",)))
        items.append(("Administration", "admin:index", ()))
    return items


def _current(path: str, url: str, prefixes: tuple[str, ...]) -> str:
    if path == url:
        return "page"
    if any(path.startswith(p) for p in (url, *prefixes)):
        return "true"
    return ""


def service_navigation(request, *, public_only: bool = False) -> list[NavItem]:
    """The links for this visitor, in order; at most one of them is current. ``public_only``:
    the public links alone, without asking who the visitor is (the 500 page)."""
    user = None if public_only else getattr(request, "user", None)
    entries = list(PUBLIC_ITEMS)
    if user is not None and access.is_signed_in(user):
        entries += _signed_in_items(user)
    path = request.path
    items, marked = [], False
    for label, name, prefixes in entries:
        url = reverse(name)
        current = "" if marked else _current(path, url, prefixes)
        marked = marked or bool(current)
        items.append(NavItem(label, url, current))
    return items

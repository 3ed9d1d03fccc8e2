"""The cookies this service sets, read from the settings that name and time them, so that the
cookies page cannot drift from what the service does (tests/web/test_information_pages.py
signs in, sends a form and shows a message, and compares the cookies it got with this list).

Every one is strictly necessary (the service cannot work without it), so none needs consent
under the PECR; the service sets no analytics or advertising cookie.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    expires: str


def _duration(seconds: int) -> str:
    if seconds % (24 * 3600) == 0 and seconds >= 7 * 24 * 3600:
        weeks, days = divmod(seconds // (24 * 3600), 7)
        if days == 0:
            return f"{weeks} week{'s' if weeks != 1 else ''}"
        return f"{seconds // (24 * 3600)} days"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = seconds // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _session_expiry() -> str:
    idle = _duration(settings.SESSION_COOKIE_AGE)
    if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        return f"When you close your browser, or after {idle} without using the service"
    return f"After {idle} without using the service"


def _csrf_expiry() -> str:
    if settings.CSRF_COOKIE_AGE is None:
        return "When you close your browser"
    return _duration(settings.CSRF_COOKIE_AGE)


def service_cookies() -> list[Cookie]:
    """The service's cookies, in the order a visitor meets them."""
    return [
        Cookie(
            settings.CSRF_COOKIE_NAME,
            "Set when a page with a form is shown (signing in is one). It checks that a form "
            "sent to the service came from the service's own page, so that another website "
            "cannot send forms in your name.",
            _csrf_expiry(),
        ),
        Cookie(
            settings.SESSION_COOKIE_NAME,
            "Set when you sign in. It keeps you signed in from page to page; it holds a random "
            "key, not your name or e-mail address.",
            _session_expiry(),
        ),
        Cookie(
            CookieStorage.cookie_name,
            "Set for a moment after you make a change, to show its confirmation (for example "
            '"Status changed") on the next page. It is removed once the message is shown.',
            "When the next page is shown, or when you close your browser",
        ),
    ]

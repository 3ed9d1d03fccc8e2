"""Sending a page's form as a browser does: open the page, keep its hidden fields (the version
it was opened at, a create form's one-time token), add what the person types, post it."""

from html.parser import HTMLParser


class _Hidden(HTMLParser):
    def __init__(self, action=None):
        super().__init__()
        self.action = action
        self.forms: list[tuple[str | None, dict]] = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {}
            self.forms.append((attrs.get("action"), self._current))
        elif tag == "input" and self._current is not None and attrs.get("type") == "hidden":
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken":
                self._current[name] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def hidden_fields(html: str, action: str | None = None, containing: str | None = None) -> dict:
    """The hidden fields of the page's form posting to ``action`` (``None``: to the page
    itself), or of the first form with a hidden field named ``containing``."""
    parser = _Hidden()
    parser.feed(html)
    for form_action, fields in parser.forms:
        if containing is not None:
            if containing in fields:
                return dict(fields)
        elif form_action == action:
            return dict(fields)
    raise AssertionError(f"no form posting to {action!r} on the page")


def opened(client, url: str, action: str | None = None, containing: str | None = None) -> dict:
    """Open ``url`` and return its form's hidden fields (what a browser would send back)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return hidden_fields(response.content.decode(), action, containing)


def submit(client, url: str, data: dict, page: str | None = None, action=None, **kwargs):
    """Open ``page`` (default ``url``), then post ``data`` with the form's hidden fields
    (``action``: the form posting there, when it is not the page's own)."""
    hidden = opened(client, page or url, action)
    return client.post(url, {**hidden, **data}, **kwargs)


def date_boxes(name: str, value) -> dict:
    """What a person types in a GOV.UK date input (``web/dates.py``) for ``value``: a date,
    an ISO date string, or "" for nothing, as ``<name>_day``, ``<name>_month``,
    ``<name>_year``."""
    if value in ("", None):
        return {f"{name}_day": "", f"{name}_month": "", f"{name}_year": ""}
    year, month, day = (int(part) for part in str(value).split("-"))
    return {f"{name}_day": str(day), f"{name}_month": str(month), f"{name}_year": str(year)}


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""


def typed_date(html: str, name: str) -> tuple[str, str, str]:
    """The day, month and year boxes of the date input ``name`` as the page shows them."""
    parser = _Inputs()
    parser.feed(html)
    return tuple(parser.values[f"{name}_{part}"] for part in ("day", "month", "year"))

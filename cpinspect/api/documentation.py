"""The API documentation page's content, read from the OpenAPI schema drf-spectacular makes,
so that the page lists what the API really offers.

drf-spectacular's own documentation views (Swagger UI and Redoc) load their scripts from a
CDN and write inline styles, which the Content Security Policy refuses (ADR 0017); this page is
a plain GOV.UK page instead, readable without JavaScript, and links to the schema itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    public: bool  # answers without signing in


@dataclass(frozen=True)
class Group:
    name: str
    operations: tuple[Operation, ...]


def _summary(operation: dict) -> str:
    text = operation.get("summary") or operation.get("description") or ""
    first = text.strip().split("\n\n")[0].replace("\n", " ").replace("``", "")
    return first


def _public(operation: dict) -> bool:
    # drf-spectacular lists an empty requirement ({}) when anonymous requests are allowed
    return {} in (operation.get("security") or [])


@lru_cache(maxsize=1)
def schema() -> dict:
    """The schema, generated once per process (it takes a second or two)."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    with GENERATOR_STATS.silence():  # its warnings are for developers, on the command line
        return SchemaGenerator().get_schema(request=None, public=True)


def groups() -> list[Group]:
    """The API's operations grouped by their first tag, public groups first."""
    found: dict[str, list[Operation]] = {}
    for path, item in schema().get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            found.setdefault(tag, []).append(
                Operation(method.upper(), path, _summary(operation), _public(operation))
            )
    ordered = sorted(
        found.items(), key=lambda kv: (not all(o.public for o in kv[1]), kv[0].lower())
    )
    return [Group(name.capitalize(), tuple(ops)) for name, ops in ordered]


def info() -> dict:
    return schema().get("info", {})

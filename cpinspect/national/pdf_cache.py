"""The national PDF, kept once rendered: WeasyPrint takes about a second per render, and the
PDF changes only when what it is built from changes.

The cache key is the published data version: for each table the picture reads (published
grades, national totals, forces, councils) its row count, highest id and sum of ``version``
(a trigger raises ``version`` on every edit, ADR 0018-style, whoever makes it). A new
publication adds rows (count and highest id change), a correction raises a version, a
withdrawal lowers the count, so any of them gives a new key and the old PDF is never served.
The shipped files (boundaries, DfE statistics) and the template change only with a release,
so the installed package's version is part of the key too (and the default cache, local
memory, starts empty in every new process anyway).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib import metadata

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from cpinspect.registry.models import Council, Force, NationalGradeTotal, PublishedGrade

SOURCES = (PublishedGrade, NationalGradeTotal, Force, Council)
# A day: long enough to matter, short enough that a forgotten entry goes by itself.
TIMEOUT_SECONDS = 24 * 60 * 60


def data_version() -> str:
    """A short digest that changes whenever the national picture's source data changes."""
    parts = [_release()]
    for model in SOURCES:
        summary = model.objects.aggregate(rows=Count("pk"), top=Max("pk"), edits=Sum("version"))
        parts.append(f"{model._meta.label}:{summary['rows']}:{summary['top']}:{summary['edits']}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _release() -> str:
    try:
        return metadata.version("cpinspect")
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        return ""


def cache_key(assessment_key: str) -> str:
    return f"national-pdf:{assessment_key}:{data_version()}"


def national_pdf(assessment_key: str, render: Callable[[], bytes]) -> bytes:
    """The PDF for ``assessment_key`` ("" for the default), rendered by ``render`` only when
    no PDF of the current data version is kept."""
    key = cache_key(assessment_key)
    pdf = cache.get(key)
    if pdf is None:
        pdf = render()
        cache.set(key, pdf, TIMEOUT_SECONDS)
    return pdf

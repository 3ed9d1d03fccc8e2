"""What the case extract must have before the case-file audit can be finished (ADR 0021): a
drawn sample (without one, no case was examined)."""

from __future__ import annotations

from django.urls import reverse

from cpinspect.casefiles.models import Sample
from cpinspect.programmes.readiness import START_MODERATION, START_REPORTING, Outstanding, before


@before(START_MODERATION, START_REPORTING)
def sample_drawn(inspection):
    if Sample.objects.filter(inspection=inspection).exists():
        return None
    return Outstanding(
        "sample",
        "No sample of case files drawn",
        "No sample of case files has been drawn, so no case has been examined.",
        1,
        reverse("casefiles-extract", args=[inspection.pk]),
    )

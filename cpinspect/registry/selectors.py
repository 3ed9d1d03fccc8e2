"""Reads of reference data. All of it is public."""

from django.db.models import Count

from cpinspect.registry.models import Force, PublishedGrade


def forces_with_counts():
    return Force.objects.annotate(council_count=Count("councils"))


def published_grades_of(force):
    return PublishedGrade.objects.filter(force=force).order_by("-year", "assessment")

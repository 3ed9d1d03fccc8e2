"""Reads of reference data. All of it is public."""

from django.db.models import Count

from cpinspect.registry.models import Force, PublishedGrade


def forces_with_counts():
    # an aggregate drops Meta.ordering: ordered here, by name, as a person looks for one
    return Force.objects.annotate(council_count=Count("councils")).order_by("name")


def published_grades_of(force):
    return PublishedGrade.objects.filter(force=force).order_by("-year", "assessment")

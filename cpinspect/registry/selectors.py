"""Reads of reference data. All of it is public."""

from django.db.models import Count, Q

from cpinspect.registry.models import Force, PublishedGrade


def forces_with_counts(search: str = ""):
    """Forces with their council counts, by name; ``search`` keeps those whose name or code
    contains it (any case), for the forces list's search box."""
    forces = Force.objects.all()
    if search:
        forces = forces.filter(Q(name__icontains=search) | Q(code__icontains=search))
    # an aggregate drops Meta.ordering: ordered here, by name, as a person looks for one
    return forces.annotate(council_count=Count("councils")).order_by("name")


def published_grades_of(force):
    return PublishedGrade.objects.filter(force=force).order_by("-year", "assessment")

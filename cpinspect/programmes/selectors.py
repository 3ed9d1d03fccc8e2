"""Reads of inspections, always scoped to what the requesting user may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from cpinspect.accounts import access
from cpinspect.programmes.models import Inspection, Status, TeamMember, TeamRole, in_force_area

if TYPE_CHECKING:
    from cpinspect.accounts.access import Visitor
    from cpinspect.accounts.models import User
    from cpinspect.registry.models import Force


def _base() -> QuerySet[Inspection]:
    return Inspection.objects.select_related(
        "programme", "force", "council", "council__force"
    ).prefetch_related("partner_inspectorates")


def inspections_visible_to(user: Visitor) -> QuerySet[Inspection]:
    rule = access.inspection_filter(user)
    if rule is None:
        return Inspection.objects.none()
    return _base().filter(rule).distinct()


def inspection_for(user: Visitor, pk: int | str) -> Inspection:
    """The inspection, if ``user`` may see it; otherwise 404 (never reveal that it exists)."""
    try:
        return inspections_visible_to(user).prefetch_related("team__user").get(pk=pk)
    except (Inspection.DoesNotExist, ValueError, TypeError):
        raise Http404("No such inspection.") from None


def my_inspections(user: User) -> QuerySet[Inspection]:
    """The inspections whose team the user is on (the dashboard's first table)."""
    return inspections_visible_to(user).filter(team__user=user).distinct()


def filtered(inspections: QuerySet[Inspection], wanted: dict[str, Any]) -> QuerySet[Inspection]:
    """``inspections`` (already scoped to the person) searched, filtered and sorted as the
    inspection list's form asks (``forms.InspectionListForm.wanted``)."""
    if "q" in wanted:
        inspections = inspections.filter(
            Q(force__name__icontains=wanted["q"]) | Q(council__name__icontains=wanted["q"])
        )
    for field, column in (("programme", "programme_id"), ("kind", "kind"), ("status", "status")):
        if field in wanted:
            inspections = inspections.filter(**{column: wanted[field]})
    stage = Case(
        *(When(status=s, then=Value(i)) for i, s in enumerate(Status.values)),
        output_field=IntegerField(),
    )
    orders = {
        "fieldwork": ("fieldwork_starts_on", "pk"),
        "fieldwork_latest": ("-fieldwork_starts_on", "-pk"),
        "subject": ("force__name", "council__name", "fieldwork_starts_on", "pk"),
        "status": (stage, "fieldwork_starts_on", "pk"),
    }
    return inspections.order_by(*orders[wanted.get("sort", "fieldwork")])


def inspections_of_force_for(user: Visitor, force: Force) -> QuerySet[Inspection]:
    """Inspections in the force's area: the published ones for anyone, and, for a signed-in
    user, whatever else they may see."""
    in_area = _base().filter(in_force_area(force))
    published = in_area.filter(access.public_inspection_filter())
    visible = access.inspection_filter(user)
    if visible is None:
        return published
    # Querysets, not Q objects, are combined: an empty Q() ("everything") would vanish in an OR.
    return (published | in_area.filter(visible)).distinct()


def team_in_role_order(inspection: Inspection) -> list[TeamMember]:
    """The team, lead first, then inspectors, moderators, analysts and partners."""
    order = list(TeamRole.values)
    return sorted(inspection.team.all(), key=lambda m: (order.index(m.role), m.user.full_name))


def case_audit_closed(inspection: Inspection, *, lock: bool = False) -> bool:
    """Whether the inspection's case-file audit is read only now (``lifecycle.
    CASE_AUDIT_CLOSED``): asked of the database function the triggers use, so the services
    and the database apply one rule. ``lock`` holds the inspection's row (shared) until the
    transaction ends, so a lifecycle move cannot close the audit under a write in progress."""
    from django.db import connection

    sql = "SELECT cpinspect_case_audit_closed(%s, %s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [inspection.pk, lock])
        return bool(cursor.fetchone()[0])


def inspections_reported_by(user: User, statuses: Iterable[str]) -> QuerySet[Inspection]:
    """The inspections in ``statuses`` whose report the user builds (their lead or the team's
    analyst: access.reporting_inspection_filter), with whether the user leads each (``led``):
    the report steps on their home page."""
    from django.db.models import Exists, OuterRef

    from cpinspect.programmes.models import TeamMember

    rule = access.reporting_inspection_filter(user)
    if rule is None:
        return Inspection.objects.none()
    return (
        Inspection.objects.filter(pk__in=Inspection.objects.filter(rule), status__in=statuses)
        .select_related("force", "council")
        .annotate(
            led=Exists(
                TeamMember.objects.filter(inspection=OuterRef("pk"), user=user, role=TeamRole.LEAD)
            )
        )
        .order_by("fieldwork_starts_on", "pk")
    )

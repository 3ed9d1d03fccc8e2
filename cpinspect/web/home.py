"""The home page's "Your tasks" (issue 15): what is waiting for the signed-in person, each with
a link to the page where it is done and its due date where the data holds one, soonest first.

Every read is a selector scoped to the person (``accounts/access.py``'s filters); a task names
a case only by its number in the sample, as the fieldwork pages do. The queries are a fixed
number per kind of task, whatever the number of cases or inspections (the query baseline in
``tests/web/test_query_counts.py``).

Due dates are those the models hold: the end of an inspection's fieldwork for its case-file
audit, a recommendation's and an action plan's due date, the day an escalation was raised (it
goes back to the force at once), the day an invitation's link expires, the day access ends,
and the planner's dates (``scheduling/tasks.py``). Report steps have no date in the data, so
they have none here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from cpinspect.accounts import access
from cpinspect.accounts import selectors as people_selectors
from cpinspect.accounts.models import Role
from cpinspect.assessments import selectors as audit_selectors
from cpinspect.assessments.case_table import stage_of
from cpinspect.assessments.models import Kind
from cpinspect.findings import selectors as findings_selectors
from cpinspect.findings.models import GRADED_KINDS, Topic
from cpinspect.programmes import selectors as programme_selectors
from cpinspect.programmes.models import Status
from cpinspect.reports import selectors as report_selectors
from cpinspect.reports.models import ReportStatus
from cpinspect.scheduling.tasks import planner_tasks

ACCESS_ENDING_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class Task:
    title: str
    href: str
    due: date | None = None
    about: str = ""  # what it belongs to, such as the inspection ("Essex")

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today


def _subject(inspection) -> str:
    return f"{inspection.get_kind_display()}: {inspection.subject_name}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# Up to this many cases not yet begun are listed one by one, per inspection and kind of work;
# more make one task that opens the person's worklist (a list of 60 cases is the worklist's).
CASES_LISTED = 5


def case_tasks(user) -> list[Task]:
    """Cases allocated to the person to examine, or to moderate blind, not yet submitted: each
    begun one to continue, and those not begun (one by one, or together when many)."""
    tasks, waiting = [], defaultdict(list)
    for audit in audit_selectors.open_cases_of(user):
        found = {a.kind: a for a in audit.assessments.all()}
        kind = Kind.FIRST if audit.examiner_id == user.pk else Kind.MODERATION
        mine = found.get(kind)
        if mine is not None and mine.submitted:
            continue
        if mine is None:
            waiting[(audit.inspection_id, kind)].append(audit)
            continue
        verb = "Continue examining" if kind == Kind.FIRST else "Continue moderating"
        tasks.append(_case_task(f"{verb} case {audit.case_id}", audit))
    for (pk, kind), audits in waiting.items():
        verb = "Examine" if kind == Kind.FIRST else "Moderate"
        if len(audits) <= CASES_LISTED:
            tasks += [_case_task(f"{verb} case {a.case_id}", a) for a in audits]
            continue
        inspection = audits[0].inspection
        tasks.append(
            Task(
                f"{verb} {len(audits)} cases not yet begun",
                reverse("assessments-worklist", args=[pk]),
                inspection.fieldwork_ends_on,
                _subject(inspection),
            )
        )
    return tasks


def _case_task(title: str, audit) -> Task:
    return Task(
        title,
        reverse("assessments-tasks", args=[audit.inspection_id, audit.case_id]),
        audit.inspection.fieldwork_ends_on,
        _subject(audit.inspection),
    )


def lead_audit_tasks(user) -> list[Task]:
    """For a lead: cases to allocate, disagreements to resolve, cases ready to sign off, and
    escalations whose acknowledgement by the force is not recorded."""
    tasks = []
    by_inspection = defaultdict(list)
    inspections = {}
    for audit in audit_selectors.audits_led_by(user):
        found = {a.kind: a for a in audit.assessments.all()}
        by_inspection[audit.inspection_id].append((audit, stage_of(audit, found)))
        inspections[audit.inspection_id] = audit.inspection
    unallocated = audit_selectors.unallocated_led_by(user)
    missing = set(unallocated) - set(inspections)  # a sample with no case allocated yet
    if missing:
        for inspection in programme_selectors.inspections_visible_to(user).filter(pk__in=missing):
            inspections[inspection.pk] = inspection
    for pk, inspection in inspections.items():
        about, due = _subject(inspection), inspection.fieldwork_ends_on
        if unallocated.get(pk):
            tasks.append(
                Task(
                    f"Allocate {_plural(unallocated[pk], 'case')} to the inspectors",
                    reverse("assessments-home", args=[pk]),
                    due,
                    about,
                )
            )
        rows = by_inspection.get(pk, [])
        for audit, stage in rows:
            if stage == "disagreement":
                tasks.append(
                    Task(
                        f"Resolve the disagreement on case {audit.case_id}",
                        reverse("assessments-case", args=[pk, audit.case_id]),
                        due,
                        about,
                    )
                )
        ready = sum(1 for _, stage in rows if stage == "ready")
        if ready:
            tasks.append(
                Task(
                    f"Sign off {_plural(ready, 'case')} ready to sign off",
                    reverse("assessments-bulk-sign-off", args=[pk]),
                    due,
                    about,
                )
            )
    for escalation in audit_selectors.open_escalations_led_by(user):
        tasks.append(
            Task(
                f"Record the force's acknowledgement of the child at risk in case "
                f"{escalation.case_id}",
                reverse("assessments-escalations", args=[escalation.inspection_id]),
                timezone.localdate(escalation.raised_at),  # it goes back to the force at once
                _subject(escalation.inspection),
            )
        )
    return tasks


def report_tasks(user) -> list[Task]:
    """For a lead or the team's analyst: the findings and report steps waiting."""
    inspections = list(
        programme_selectors.inspections_reported_by(
            user, [Status.REPORTING, Status.FACTUAL_ACCURACY]
        )
    )
    if not inspections:
        return []
    ids = [i.pk for i in inspections]
    reports = report_selectors.open_force_reports(user, ids)
    decided = findings_selectors.judgements_decided(user, ids)
    tasks = []
    for inspection in inspections:
        about, report = _subject(inspection), reports.get(inspection.pk)
        if inspection.status == Status.REPORTING:
            topics = len(Topic.values)
            if inspection.led and inspection.kind in GRADED_KINDS:
                done = decided.get(inspection.pk, 0)
                if done < topics:
                    tasks.append(
                        Task(
                            f"Decide the graded judgements ({done} of {topics} decided)",
                            reverse("findings-inspection", args=[inspection.pk]),
                            about=about,
                        )
                    )
            if report is None:
                tasks.append(
                    Task(
                        "Build the draft report",
                        reverse("inspection-detail", args=[inspection.pk]),
                        about=about,
                    )
                )
            elif inspection.led and report.status == ReportStatus.DRAFT:
                tasks.append(
                    Task(
                        "Send the draft report to the force for its factual accuracy check",
                        reverse("report-detail", args=[report.pk]),
                        about=about,
                    )
                )
        elif inspection.led and report is not None and report.unanswered:
            tasks.append(
                Task(
                    f"Answer the force's {_plural(report.unanswered, 'comment')} on the "
                    "draft report",
                    reverse("report-detail", args=[report.pk]) + "#comments",
                    about=about,
                )
            )
    return tasks


def liaison_tasks(user) -> list[Task]:
    """For a force liaison officer: the force's draft report to check, the action plan it
    owes, and progress on its open recommendations."""
    tasks = []
    for report in report_selectors.reports_for_force_to_check(user):
        tasks.append(
            Task(
                "Check the draft report for factual accuracy"
                + (" (you have sent comments)" if report.comments_sent else ""),
                reverse("report-detail", args=[report.pk]) + "#comments",
                about=_subject(report.inspection),
            )
        )
    for plan in findings_selectors.action_plans_awaited(user):
        tasks.append(
            Task(
                "Send the force's action plan",
                reverse("findings-action-plan-send", args=[plan.inspection_id]),
                plan.due_on,
                _subject(plan.inspection),
            )
        )
    for rec in findings_selectors.recommendations_for_force_progress(user):
        text = rec.text if len(rec.text) <= 90 else rec.text[:87].rstrip() + "..."
        tasks.append(
            Task(
                f"Report progress on the recommendation: {text}",
                reverse("findings-recommendation-progress", args=[rec.inspection_id, rec.pk]),
                rec.due_on,
                _subject(rec.inspection),
            )
        )
    return tasks


def thematic_tasks(user) -> list[Task]:
    """The person's own thematic drafts, to read before a programme manager publishes them
    (a draft has no step of its own in between: a new build is a new draft); for a programme
    manager, the drafts to publish."""
    tasks = [
        Task(
            f"Check your thematic draft: {report.title}",
            reverse("report-detail", args=[report.pk]),
            about="Waiting for a programme manager to publish it",
        )
        for report in report_selectors.thematic_drafts_built_by(user)
    ]
    tasks += [
        Task(
            f"Publish the thematic report: {report.title}",
            reverse("report-detail", args=[report.pk]),
            about=f"Built by {report.built_by.full_name}",
        )
        for report in report_selectors.thematic_drafts_to_publish(user)
    ]
    return tasks


def follow_up_tasks(user) -> list[Task]:
    """For a programme manager: follow-ups proposed by the findings, to accept or decline; due
    when the suggested window opens (known once the report is published)."""
    tasks = []
    for proposal in findings_selectors.follow_ups_to_decide(user):
        opens = None
        if proposal.published_at is not None:
            published = timezone.localdate(proposal.published_at)
            opens = findings_selectors.add_months(published, proposal.window_from_months)
        tasks.append(
            Task(
                f"Decide on the proposed {proposal.get_kind_display().lower()}",
                reverse("findings-inspection", args=[proposal.inspection_id]) + "#follow-up",
                opens,
                _subject(proposal.inspection),
            )
        )
    return tasks


def people_tasks(user, today: date) -> list[Task]:
    """For an administrator: invitations not taken up, and access ending within 30 days."""
    tasks = []
    for person in people_selectors.invitations_waiting(user):
        tasks.append(
            Task(
                f"Invitation not yet accepted: {person.full_name}",
                reverse("person-detail", args=[person.pk]),
                person.link_expires,  # after this the link no longer works
                person.get_role_display(),
            )
        )
    for person in people_selectors.access_ending(user, today, ACCESS_ENDING_WITHIN):
        tasks.append(
            Task(
                f"Access ends for {person.full_name}: extend it or let it end",
                reverse("person-expiry", args=[person.pk]),
                person.access_expires,
                person.get_role_display(),
            )
        )
    return tasks


def tasks_for(user, today: date | None = None) -> list[Task]:
    """Everything waiting for ``user``, soonest due first, then those with no due date. None
    for a visitor, a deactivated account or one whose access has expired."""
    if not access.is_signed_in(user) or user.has_expired:
        return []
    today = today or timezone.localdate()
    tasks: list[Task] = []
    if user.role == Role.FORCE_LIAISON:
        tasks += liaison_tasks(user)
    else:
        tasks += case_tasks(user)
        if user.role == Role.LEAD_INSPECTOR:
            tasks += lead_audit_tasks(user)
        tasks += report_tasks(user)
    if user.is_inspectorate_staff:
        tasks += thematic_tasks(user)
    if access.can_plan_programmes(user):
        tasks += [Task(t.title, t.href, t.due) for t in planner_tasks(user, today)]
        tasks += follow_up_tasks(user)
    if access.can_manage_people(user):
        tasks += people_tasks(user, today)
    return sorted(tasks, key=lambda t: (t.due is None, t.due or today, t.about, _natural(t.title)))


def _natural(text: str) -> list:
    """Case 9 before case 10: numbers in a title compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def start_links(user) -> list[tuple[str, str]]:
    """Work the person may start at any time: (label, URL)."""
    links = []
    if access.can_plan_programmes(user):
        links += [
            ("Plan an inspection", reverse("inspection-new")),
            ("Create a programme", reverse("programme-new")),
        ]
    if access.can_build_thematic(user):
        links.append(("Build a thematic report across inspections", reverse("report-thematic-new")))
    if access.can_manage_people(user):
        links.append(("Invite a person", reverse("person-invite")))
    return links


def home_context(request) -> dict:
    user = request.user
    if not access.is_signed_in(user):
        return {}
    tasks = tasks_for(user)
    return {
        "tasks": tasks,
        "tasks_caption": f"{len(tasks)} task{'' if len(tasks) == 1 else 's'}, soonest due first",
        "start_links": start_links(user),
        "today": timezone.localdate(),
    }

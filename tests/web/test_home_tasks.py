"""The home page lists each signed-in person's own tasks with their due dates, soonest first
(issue 15), through selectors scoped to that person; a visitor's home page is unchanged."""

import re
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse
from django.utils import timezone

from cpinspect.accounts.models import Role, User
from cpinspect.assessments import services as audit_services
from cpinspect.findings.models import ActionPlan
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Status, TeamRole
from cpinspect.reports.models import Report, ReportKind
from cpinspect.web import home as home_module
from cpinspect.web.home import tasks_for
from tests.assessments.conftest import draw_sample, submit
from tests.findings.conftest import publish
from tests.findings.test_pages import add_cause
from tests.fixtures import make_user, programme_manager

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def audit_env(tmp_path, monkeypatch, settings):
    monkeypatch.setenv("CPINSPECT_CASEFILES_DIR", str(tmp_path / "casefiles"))
    monkeypatch.setenv("CPINSPECT_PSEUDONYM_KEY", "test-master-secret-not-for-production")
    monkeypatch.setenv("CPINSPECT_EVIDENCE_KEYS", Fernet.generate_key().decode())
    # no case is picked for moderation by the rule: the tests pick them
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}


def rows(user, today=TODAY):
    return [(t.title, t.href, t.due) for t in tasks_for(user, today)]


def home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def fieldwork(inspection, people):
    """Essex in fieldwork: 21 cases, all allocated to its one inspector; one submitted and
    moderated blind (a disagreement), one submitted (ready), one signed off, one with the
    moderation given to the moderator and not begun, one escalated."""
    lead, inspector, moderator = people["lead"], people["inspector"], people["moderator"]
    draw_sample(inspection, lead)
    audits = audit_services.cases_allocate(inspection=inspection, user=lead)
    disputed, ready, locked, blind, escalated = audits[:5]
    for audit in (disputed, ready, locked, blind):
        submit(audit, inspector, grade="good")
    for audit in (disputed, blind):
        audit_services.moderation_choose(audit=audit, user=lead, moderator=moderator)
    disputed.refresh_from_db()
    submit(disputed, moderator, grade="inadequate")
    locked.refresh_from_db()
    audit_services.case_sign_off(audit=locked, user=lead)
    escalation = audit_services.escalation_raise(
        audit=escalated, user=inspector, concern="At risk."
    )
    return {
        "audits": audits,
        "disputed": disputed,
        "ready": ready,
        "locked": locked,
        "blind": blind,
        "escalation": escalation,
    }


def test_a_visitors_home_page_is_unchanged(client, reference):
    page = client.get("/").content.decode()
    main = " ".join(page[page.index("<main") : page.index("</main>")].split())
    assert (
        '<div class="govuk-grid-row"> <div class="govuk-grid-column-two-thirds"> '
        '<h1 class="govuk-heading-xl">CP Inspect</h1> <p class="govuk-body-l">Plan, run and '
        "report inspections of how police forces in England and Wales protect children.</p> "
        '<ul class="govuk-list"> '
        '<li><a class="govuk-link" href="/forces/">The 43 police forces, their councils and '
        "published grades</a></li> "
        '<li><a class="govuk-link" href="/reports/">Published inspection reports</a></li> '
        '<li><a class="govuk-link" href="/national/">The national picture: grades of every '
        "force on a map</a></li> "
        '<li><a class="govuk-link" href="/open-data/">Open data: the published figures as CSV '
        "and JSON</a></li> "
        '<li><a class="govuk-link" href="/sign-in/">Sign in to see inspections you work on</a>'
        "</li> </ul> </div> </div>"
    ) in main
    assert "Your tasks" not in page


def test_an_inspector_sees_their_cases_to_examine_due_at_the_end_of_fieldwork(
    client, inspection, people, fieldwork, monkeypatch
):
    inspector = people["inspector"]
    submitted = {fieldwork[k].case_id for k in ("disputed", "ready", "locked", "blind")}
    due = inspection.fieldwork_ends_on
    waiting = sorted(a.case_id for a in fieldwork["audits"] if a.case_id not in submitted)
    assert len(waiting) == 17
    # many cases not begun are one task, which opens the worklist
    worklist = reverse("assessments-worklist", args=[inspection.pk])
    assert rows(inspector) == [("Examine 17 cases not yet begun", worklist, due)]
    page = home(client, inspector)
    assert '<h2 class="govuk-heading-l" id="your-tasks">Your tasks</h2>' in page
    assert "1 task, soonest due first" in page
    assert (
        f'<a class="govuk-link" href="{worklist}">Examine 17 cases not yet begun'
        '<span class="govuk-visually-hidden"> (Child protection inspection: Essex)</span></a>'
    ) in page
    assert due.strftime("%-d %B %Y") in page
    overdue = page.count('<strong class="govuk-tag govuk-tag--red">Overdue</strong>')
    assert overdue == (1 if due < TODAY else 0)
    # a few are listed one by one, case 9 before case 10, each opening its examination
    monkeypatch.setattr(home_module, "CASES_LISTED", 17)
    assert rows(inspector) == [
        (
            f"Examine case {case_id}",
            reverse("assessments-tasks", args=[inspection.pk, case_id]),
            due,
        )
        for case_id in waiting
    ]
    # a draft begun is its own task, to continue
    monkeypatch.setattr(home_module, "CASES_LISTED", 5)
    draft = next(a for a in fieldwork["audits"] if a.case_id == waiting[0])
    assessment = audit_services.assessment_open(audit=draft, user=inspector)
    audit_services.assessment_save(
        assessment=assessment,
        user=inspector,
        draft=audit_services.Draft(answers={}, notes={}, texts={}, overall_grade="", rationale=""),
        expected_version=assessment.version,
        submit=False,
    )
    assert sorted(rows(inspector)) == sorted(
        [
            (
                f"Continue examining case {draft.case_id}",
                reverse("assessments-tasks", args=[inspection.pk, draft.case_id]),
                due,
            ),
            ("Examine 16 cases not yet begun", worklist, due),
        ]
    )


def test_overdue_is_tagged_only_once_the_due_date_has_passed(client, inspection, people, fieldwork):
    due = inspection.fieldwork_ends_on
    tasks = tasks_for(people["inspector"], today=due)
    assert tasks and not any(t.overdue(due) for t in tasks)
    assert all(t.overdue(due + timedelta(days=1)) for t in tasks)


def test_a_moderator_sees_the_moderations_waiting_for_them(inspection, people, fieldwork):
    blind = fieldwork["blind"]
    assert rows(people["moderator"]) == [
        (
            f"Moderate case {blind.case_id}",
            reverse("assessments-tasks", args=[inspection.pk, blind.case_id]),
            inspection.fieldwork_ends_on,
        )
    ]


def test_a_lead_sees_what_is_waiting_in_the_audits_they_lead(
    client, inspection, joint_inspection, people, fieldwork
):
    lead = people["lead"]
    draw_sample(joint_inspection, lead, size=14)  # drawn, nothing allocated yet
    essex, ends = inspection.pk, inspection.fieldwork_ends_on
    escalated = fieldwork["escalation"]
    disputed = fieldwork["disputed"].case_id
    assert sorted(rows(lead)) == sorted(
        [
            (
                "Allocate 14 cases to the inspectors",
                reverse("assessments-home", args=[joint_inspection.pk]),
                joint_inspection.fieldwork_ends_on,
            ),
            (
                f"Resolve the disagreement on case {disputed}",
                reverse("assessments-case", args=[essex, disputed]),
                ends,
            ),
            (
                "Sign off 1 case ready to sign off",
                reverse("assessments-bulk-sign-off", args=[essex]),
                ends,
            ),
            (
                f"Record the force's acknowledgement of the child at risk in case "
                f"{escalated.case_id}",
                reverse("assessments-escalations", args=[essex]),
                timezone.localdate(escalated.raised_at),
            ),
        ]
    )
    # soonest first: Essex's fieldwork ends before Thurrock's; the escalation is due today
    titles = [t.title for t in tasks_for(lead, TODAY)]
    assert titles.index("Allocate 14 cases to the inspectors") == len(titles) - 1 or (
        joint_inspection.fieldwork_ends_on < TODAY
    )
    page = home(client, lead)
    assert "Child protection inspection: Essex" in page
    assert "Joint targeted area inspection: Thurrock" in page
    # a case is its number in the sample: no pseudonym, no age, no council of the child
    for audit in fieldwork["audits"]:
        case = audit.case
        assert case.pseudonym not in page and case.force_pseudonym not in page
    assert "child_age" not in page and "aged" not in page
    # the other lead leads none of it
    assert rows(people["other_lead"]) == []
    assert "Nothing is waiting for you." in home(client, people["other_lead"])


def test_report_steps_for_the_lead_and_the_teams_analyst(client, inspection, people):
    lead, analyst = people["lead"], people["analyst"]
    for target in (Status.MODERATION, Status.REPORTING):
        programme_services.inspection_transition(
            lead,
            inspection=inspection,
            target=target,
            reason="Not part of the test.",
        )
    findings = reverse("findings-inspection", args=[inspection.pk])
    build = reverse("inspection-detail", args=[inspection.pk])
    assert rows(lead) == [
        ("Build the draft report", build, None),
        ("Decide the graded judgements (0 of 5 decided)", findings, None),
    ]
    assert rows(analyst) == [("Build the draft report", build, None)]
    assert rows(people["inspector"]) == []  # not theirs
    page = home(client, analyst)
    assert f'<a class="govuk-link" href="{build}">Build the draft report<span' in page
    assert "No due date" in page


def test_a_liaison_officer_sees_their_forces_action_plan_and_recommendations(
    client, inspection, kent_inspection, people
):
    cause = add_cause(inspection, people["lead"])
    rec = cause.recommendations.get()
    publish(inspection, people)
    plan = ActionPlan.objects.get(inspection=inspection)
    assert rows(people["liaison"]) == sorted(
        [
            (
                "Send the force's action plan",
                reverse("findings-action-plan-send", args=[inspection.pk]),
                plan.due_on,
            ),
            (
                f"Report progress on the recommendation: {rec.text}",
                reverse("findings-recommendation-progress", args=[inspection.pk, rec.pk]),
                date(2027, 6, 30),
            ),
        ],
        key=lambda r: r[2],
    )
    page = home(client, people["liaison"])
    assert plan.due_on.strftime("%-d %B %Y") in page and "30 June 2027" in page
    # once the force sends its plan, the plan's task goes
    from cpinspect.findings import services as findings_services

    findings_services.action_plan_submit(plan=plan, user=people["liaison"], text="Our plan.")
    assert [t[0] for t in rows(people["liaison"])] == [
        f"Report progress on the recommendation: {rec.text}"
    ]


def test_a_liaison_officer_never_sees_another_forces_recommendations(
    client, inspection, kent_inspection, people
):
    kent_inspection.status = Status.FIELDWORK
    kent_inspection.save()
    cause = add_cause(kent_inspection, people["other_lead"], title="Kent's delays")
    kent_rec = cause.recommendations.get()
    publish(kent_inspection, people, lead="other_lead")
    essex_officer, kent_officer = people["liaison"], people["other_liaison"]
    assert rows(essex_officer) == []
    assert "Nothing is waiting for you." in home(client, essex_officer)
    page = home(client, essex_officer)
    assert kent_rec.text not in page and "Kent" not in page.split("Your tasks")[1]
    kent_rows = rows(kent_officer)
    assert [r[0] for r in kent_rows] == [
        "Send the force's action plan",
        f"Report progress on the recommendation: {kent_rec.text}",
    ] or [r[0] for r in kent_rows] == [
        f"Report progress on the recommendation: {kent_rec.text}",
        "Send the force's action plan",
    ]


def test_a_liaison_officer_is_asked_to_check_their_forces_draft_only(inspection, people):
    report = _force_report_under_check(inspection, people)
    assert rows(people["liaison"]) == [
        (
            "Check the draft report for factual accuracy",
            reverse("report-detail", args=[report.pk]) + "#comments",
            None,
        )
    ]
    assert rows(people["other_liaison"]) == []


def _force_report_under_check(inspection, people):
    """A draft in the factual accuracy check, made without the report machinery (its content
    does not matter to the home page)."""
    for target in (Status.MODERATION, Status.REPORTING, Status.FACTUAL_ACCURACY):
        programme_services.inspection_transition(
            people["lead"],
            inspection=inspection,
            target=target,
            reason="Not tested.",
        )
    return _report(
        ReportKind.FORCE, people["lead"], inspection=inspection, status="factual_accuracy"
    )


def _report(kind, user, **fields):
    return Report.objects.create(
        kind=kind,
        title=fields.pop("title", "A report"),
        html="<p>Draft</p>",
        pdf=b"",
        content_sha256="0" * 64,
        pdf_sha256="0" * 64,
        data_sha256="0" * 64,
        built_at=timezone.now(),
        built_by=user,
        **fields,
    )


def test_the_analyst_checks_their_thematic_draft_and_the_planner_publishes_it(
    client, people, reference
):
    analyst, planner = people["analyst"], people["programme_manager"]
    draft = _report(ReportKind.THEMATIC, analyst, title="Missing children across forces")
    href = reverse("report-detail", args=[draft.pk])
    assert rows(analyst) == [
        ("Check your thematic draft: Missing children across forces", href, None)
    ]
    assert ("Publish the thematic report: Missing children across forces", href, None) in rows(
        planner
    )
    assert rows(people["lead"]) == []  # not theirs to finish nor to publish
    page = home(client, analyst)
    assert reverse("report-thematic-new") in page  # and a way to start another


def test_a_planner_sees_their_planning_tasks_on_the_home_page(client, inspection, people):
    page = home(client, people["programme_manager"])
    assert "Solve and publish the plan for 2026/27" in page
    assert "1 April 2026" in page


def test_an_administrator_sees_invitations_waiting_and_access_ending_within_30_days(
    client, people, settings
):
    admin = people["administrator"]
    invited = User.objects.create_user(
        "new@example.test", None, full_name="Nia New", role=Role.INSPECTOR
    )
    soon = make_user("soon", Role.ANALYST, access_expires=TODAY + timedelta(days=10))
    make_user("later", Role.ANALYST, access_expires=TODAY + timedelta(days=31))
    make_user("gone", Role.ANALYST, access_expires=TODAY - timedelta(days=1))
    make_user("off", Role.ANALYST, access_expires=TODAY + timedelta(days=5), is_active=False)
    # the demo's planning-only accounts have no password either, but were never invited
    User.objects.create_user(
        "plan@example.test", None, full_name="Demo", role=Role.INSPECTOR, is_demo=True
    )
    link_dies = timezone.localdate(
        invited.date_joined + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    )
    assert rows(admin) == sorted(
        [
            (
                "Invitation not yet accepted: Nia New",
                reverse("person-detail", args=[invited.pk]),
                link_dies,
            ),
            (
                "Access ends for Soon: extend it or let it end",
                reverse("person-expiry", args=[soon.pk]),
                TODAY + timedelta(days=10),
            ),
        ],
        key=lambda r: r[2],
    )
    # setting the password takes the invitation off the list
    invited.set_password("a long enough password")
    invited.save()
    assert [r[0] for r in rows(admin)] == ["Access ends for Soon: extend it or let it end"]
    assert rows(people["programme_manager"]) == []  # people are the administrators' work


def test_an_inspector_never_sees_cases_of_others_or_of_inspections_they_are_not_on(
    client, inspection, kent_inspection, people, monkeypatch
):
    monkeypatch.setattr(home_module, "CASES_LISTED", 100)  # every case by its number
    inspector, lead = people["inspector"], people["lead"]
    second = make_user("inspector2", Role.INSPECTOR)
    programme_services.team_member_add(
        programme_manager(), inspection=inspection, person=second, role=TeamRole.INSPECTOR
    )
    draw_sample(inspection, lead)
    essex = audit_services.cases_allocate(inspection=inspection, user=lead)
    kent_inspection.status = Status.FIELDWORK
    kent_inspection.save()
    kent_examiner = make_user("kentinspector", Role.INSPECTOR)
    programme_services.team_member_add(
        programme_manager(),
        inspection=kent_inspection,
        person=kent_examiner,
        role=TeamRole.INSPECTOR,
    )
    draw_sample(kent_inspection, people["other_lead"], seed=7)
    kent = audit_services.cases_allocate(inspection=kent_inspection, user=people["other_lead"])
    mine = {a.case_id for a in essex if a.examiner_id == inspector.pk}
    others = {a.case_id for a in essex if a.examiner_id == second.pk}
    assert mine and others
    shown = {int(re.search(r"case (\d+)", t[0]).group(1)) for t in rows(inspector)}
    assert shown == mine
    assert not shown & ({a.case_id for a in kent} | others)
    page = home(client, inspector)
    for case_id in others | {a.case_id for a in kent}:
        assert not re.search(rf"case {case_id}\b", page)
    # taken off the team, the allocation left behind shows nothing (scoped by the team)
    programme_services.team_member_remove(
        programme_manager(),
        member=inspection.team.get(user=inspector, role=TeamRole.INSPECTOR),
    )
    assert rows(inspector) == []


def test_an_expired_or_deactivated_person_sees_no_tasks(client, inspection, people, fieldwork):
    inspector = people["inspector"]
    assert rows(inspector)
    inspector.access_expires = TODAY - timedelta(days=1)
    inspector.save()
    assert tasks_for(inspector) == []
    client.force_login(inspector)
    page = client.get("/").content.decode()
    assert "Your tasks" not in page and "Sign in to see inspections you work on" in page
    inspector.access_expires = None
    inspector.is_active = False
    inspector.save()
    assert tasks_for(inspector) == []
    page = client.get("/").content.decode()
    assert "Your tasks" not in page and "Examine case" not in page


def test_a_partner_inspector_sees_the_joint_inspections_cases_given_to_them(
    client, joint_inspection, people
):
    draw_sample(joint_inspection, people["lead"], size=14)
    audits = audit_services.cases_allocate(inspection=joint_inspection, user=people["lead"])
    assert {a.examiner_id for a in audits} == {people["partner"].pk}  # the team's one examiner
    assert rows(people["partner"]) == [
        (
            "Examine 14 cases not yet begun",
            reverse("assessments-worklist", args=[joint_inspection.pk]),
            joint_inspection.fieldwork_ends_on,
        )
    ]
    assert "Joint targeted area inspection: Thurrock" in home(client, people["partner"])
    # a partner of another inspectorate, on no team, has nothing
    assert rows(people["other_partner"]) == []

"""The demo's case-file audit, judged by what the services and selectors say of it: one
inspection's fieldwork complete (Staffordshire, now in reporting), one under way (Essex)."""

from collections import Counter, defaultdict

import pytest

from cpinspect.accounts.models import User
from cpinspect.assessments import selectors, services
from cpinspect.assessments.demo import DEMO
from cpinspect.assessments.models import (
    Assessment,
    AssessmentStatus,
    CaseAudit,
    CaseGrade,
    Escalation,
    EscalationStatus,
    Kind,
    ModerationReason,
)
from cpinspect.casefiles.models import CaseStatus, SampledCase
from cpinspect.programmes.models import Inspection, TeamRole


def cp_inspection(force_name):
    return Inspection.objects.get(kind="child_protection", force__name=force_name)


def lead_of(inspection):
    return inspection.team.get(role=TeamRole.LEAD).user


def writing_of(assessment) -> list[str]:
    writing = assessment.writing or {}
    return [
        *writing.get("notes", {}).values(),
        *writing.get("text", {}).values(),
        *([writing["rationale"]] if writing.get("rationale") else []),
    ]


@pytest.mark.django_db
def test_completed_fieldwork_every_case_examined_moderated_resolved_and_signed_off(demo_database):
    staffordshire = cp_inspection("Staffordshire")
    lead = lead_of(staffordshire)
    progress = selectors.progress_of(lead, staffordshire)
    sampled = SampledCase.objects.filter(
        sample__inspection=staffordshire, status=CaseStatus.SAMPLED
    ).count()

    assert sampled >= 50
    assert progress.allocated == sampled and progress.unallocated == 0
    assert progress.submitted == sampled and progress.drafts == 0
    assert progress.final == sampled and progress.signed_off == sampled
    assert progress.for_moderation == progress.moderated > 0  # every moderation submitted
    assert progress.open_escalations == 0

    audits = list(selectors.audits_for(lead, staffordshire))
    assert all(a.final_grade in CaseGrade.values and a.locked for a in audits)
    # Several inspectors examined the cases; the moderator is never the first examiner.
    assert len({a.examiner_id for a in audits}) >= 3
    assert all(a.moderator_id != a.examiner_id for a in audits if a.moderated)

    # Every disagreement was resolved by the lead, with a rationale marked as demo data.
    disagreements = selectors.disagreements(lead, staffordshire)
    assert progress.disagreements == len(disagreements) > 0
    for audit, first, moderation in disagreements:
        assert first.overall_grade != moderation.overall_grade
        assert audit.resolved_by == lead and audit.resolved_at is not None
        assert audit.resolution_rationale.startswith(DEMO)
    # Agreeing moderations set the final grade themselves; unmoderated cases keep the first.
    for audit in audits:
        grades = {a.kind: a.overall_grade for a in audit.assessments.all()}
        if not audit.moderated:
            assert audit.final_grade == grades[Kind.FIRST]
        elif grades[Kind.FIRST] == grades[Kind.MODERATION]:
            assert audit.final_grade == grades[Kind.FIRST] and audit.resolved_at is None

    # One child at risk: escalated, and the force's acknowledgement recorded.
    escalation = Escalation.objects.get(inspection=staffordshire)
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.acknowledged_by_force.startswith(DEMO)
    assert escalation.concern.startswith(DEMO) and escalation.recorded_by == lead

    # Fieldwork done, the inspection went on through moderation and reporting, its findings
    # were recorded and its report checked by the force and published.
    assert staffordshire.status == "published"
    assert list(staffordshire.status_changes.values_list("to_status", flat=True)) == [
        "notified",
        "fieldwork",
        "moderation",
        "reporting",
        "factual_accuracy",
        "published",
    ]
    from cpinspect.findings.models import CauseOfConcern, FollowUpProposal, Judgement
    from cpinspect.reports.models import Report

    assert Judgement.objects.filter(inspection=staffordshire).count() == 5
    assert CauseOfConcern.objects.get(inspection=staffordshire).recommendations.count() == 2
    assert FollowUpProposal.objects.filter(inspection=staffordshire).exists()
    assert Report.objects.get(inspection=staffordshire, status="published").content_sha256


@pytest.mark.django_db
def test_completed_fieldwork_follows_the_moderation_rule(demo_database):
    staffordshire = cp_inspection("Staffordshire")
    rule = services.ModerationRule.from_settings()
    firsts = Assessment.objects.filter(
        audit__inspection=staffordshire, kind=Kind.FIRST
    ).select_related("audit")
    by_examiner = defaultdict(list)
    for first in firsts.order_by("submitted_at", "pk"):
        by_examiner[first.examiner_id].append(first)
    for submitted in by_examiner.values():
        for n, first in enumerate(submitted):
            reason = first.audit.moderation_reason
            if n < rule.first_per_inspector:
                assert reason == ModerationReason.FIRST_OF_INSPECTOR
            elif first.overall_grade == CaseGrade.INADEQUATE:
                assert reason == ModerationReason.INADEQUATE
            else:
                assert reason in ("", ModerationReason.RANDOM)


@pytest.mark.django_db
def test_completed_fieldwork_grades_are_a_plausible_mix_varying_by_theme(demo_database):
    staffordshire = cp_inspection("Staffordshire")
    finals = Counter(
        CaseAudit.objects.filter(inspection=staffordshire).values_list("final_grade", flat=True)
    )
    assert set(finals) == set(CaseGrade.values)
    assert (
        finals[CaseGrade.INADEQUATE]
        < finals[CaseGrade.REQUIRES_IMPROVEMENT] + finals[CaseGrade.GOOD]
    )
    by_theme = defaultdict(Counter)
    for theme, grade in Assessment.objects.filter(
        audit__inspection=staffordshire, kind=Kind.FIRST
    ).values_list("audit__case__stratum", "overall_grade"):
        by_theme[theme][grade] += 1
    good_share = {
        theme: grades[CaseGrade.GOOD] / sum(grades.values()) for theme, grades in by_theme.items()
    }
    assert len(by_theme) >= 5
    assert max(good_share.values()) - min(good_share.values()) >= 0.3


@pytest.mark.django_db
def test_fieldwork_under_way_in_essex(demo_database):
    essex = cp_inspection("Essex")
    lead = lead_of(essex)
    progress = selectors.progress_of(lead, essex)
    sampled = SampledCase.objects.filter(
        sample__inspection=essex, status=CaseStatus.SAMPLED
    ).count()

    assert essex.status == "fieldwork"
    assert progress.allocated == sampled and progress.unallocated == 0
    assert (progress.submitted, progress.drafts) == (5, 3)
    assert progress.moderated == 2 and progress.signed_off == 0
    # One moderation disagreed and waits for the lead on the moderation page.
    disagreements = selectors.disagreements(lead, essex)
    assert len(disagreements) == 1 and disagreements[0][0].resolved_at is None
    # One open escalation, on the lead's dashboard.
    assert progress.open_escalations == 1
    assert [e.inspection for e in selectors.open_escalations_led_by(lead)] == [essex]
    # Each inspector still has cases not yet started, for the browser tests and the demo.
    for member in essex.team.filter(role=TeamRole.INSPECTOR):
        waiting = [
            row
            for row in selectors.worklist_for(member.user, essex)
            if row.examiner_id == member.user_id and not row.assessments.exists()
        ]
        assert len(waiting) >= 10
    # The demo's moderator account has Essex moderations to do (issue 15, failure 6).
    moderator = User.objects.get(email="moderator@demo.cpinspect.invalid")
    to_moderate = [
        row
        for row in selectors.worklist_for(moderator, essex)
        if row.moderator_id == moderator.pk and not row.assessments.filter(kind="moderation")
    ]
    assert len(to_moderate) >= 2
    assert all(row.examiner_id != moderator.pk for row in to_moderate)


@pytest.mark.django_db
def test_demo_writing_is_marked_as_demo_data(demo_database):
    written = [text for a in Assessment.objects.all() for text in writing_of(a)]
    assert len(written) > 100
    assert all(text.startswith(DEMO) for text in written)
    assert all(e.concern.startswith(DEMO) for e in Escalation.objects.all())
    assert Escalation.objects.count() == 3  # Essex (open), Staffordshire and Kent (acknowledged)
    assert Assessment.objects.filter(status=AssessmentStatus.DRAFT).count() == 3


@pytest.mark.django_db
def test_the_demo_moves_on_only_when_a_stage_is_finished_or_with_a_reason(demo_database):
    """Staffordshire's fieldwork, findings and report are complete: every move was made with
    nothing outstanding, its audit is closed and its report records no unfinished stage. No
    other inspection moved on with work outstanding either."""
    from cpinspect.demo.builder import UNFINISHED_REASON
    from cpinspect.programmes.models import StatusChange
    from cpinspect.programmes.selectors import case_audit_closed
    from cpinspect.reports.models import Report, ReportComment

    staffordshire = cp_inspection("Staffordshire")
    assert [(c.outstanding, c.reason) for c in staffordshire.status_changes.all()] == [([], "")] * 6
    assert case_audit_closed(staffordshire)
    report = Report.objects.get(inspection=staffordshire, status="published")
    assert report.data["methodology"]["stages"] == []
    # (no comment from the force is left unanswered)
    assert not ReportComment.objects.filter(report=report, response="").exists()

    essex = cp_inspection("Essex")
    assert not case_audit_closed(essex)  # fieldwork under way: open

    # Kent's work is done now too (it was moved to published with its work left out), so no
    # move in the demo has anything outstanding, and none needed UNFINISHED_REASON.
    assert not StatusChange.objects.exclude(outstanding=[]).exists()
    assert not StatusChange.objects.filter(reason=UNFINISHED_REASON).exists()


def test_the_demo_publishes_a_correction_and_gives_nothing_away(demo_database):
    """Staffordshire's report is corrected (version 1 superseded, version 2 published, the
    audit closed so no figure changed); the independent attacker, given every published
    version, recovers nothing the disclosure policy protects (ADR 0023)."""
    from cpinspect.reports.models import Report
    from tests.disclosure_attacker import attack, publications_of

    staffordshire = cp_inspection("Staffordshire")
    versions = list(Report.objects.filter(inspection=staffordshire).order_by("version"))
    assert [(r.version, r.status) for r in versions] == [(1, "superseded"), (2, "published")]
    assert versions[1].corrects_id == versions[0].pk
    assert versions[1].data["results"] == versions[0].data["results"]
    public = Report.objects.filter(status__in=["published", "superseded"]).order_by("pk")
    found = attack(publications_of(public))
    print(f"\nattacker on the demo: {found.tables} tables, {found.cells} [c] tried")
    assert found.cells > 0
    assert not found.recovered and not found.small, (found.recovered, found.small)


@pytest.mark.django_db
def test_the_partner_has_thurrock_cases_to_examine(demo_database):
    # issue 15, failure 5: the joint inspection's cases go to its partner inspector (ADR 0028)
    thurrock = Inspection.objects.get(kind="joint_targeted_area", council__name="Thurrock")
    partner = thurrock.team.get(role=TeamRole.PARTNER).user
    audits = CaseAudit.objects.filter(inspection=thurrock)
    assert audits.count() > 10
    assert set(audits.values_list("examiner_id", flat=True)) == {partner.pk}
    assert len(selectors.worklist_for(partner, thurrock)) == audits.count()
    assert not Assessment.objects.filter(audit__inspection=thurrock).exists()


@pytest.mark.django_db
def test_kent_has_a_whole_graded_fieldwork_and_a_published_report(demo_database):
    """Kent is published with every case examined and signed off, findings and a report that
    went through disclosure control, not moved to published with its work left out."""
    from cpinspect.findings.models import Judgement
    from cpinspect.programmes.models import StatusChange
    from cpinspect.reports.models import Report

    kent = cp_inspection("Kent")
    assert kent.status == "published"
    audits = CaseAudit.objects.filter(inspection=kent)
    assert audits.count() > 0
    assert not audits.filter(locked_at__isnull=True).exists()
    assert list(kent.status_changes.values_list("to_status", flat=True)) == [
        "notified",
        "fieldwork",
        "moderation",
        "reporting",
        "factual_accuracy",
        "published",
    ]
    assert not StatusChange.objects.filter(inspection=kent).exclude(reason="").exists()
    assert Judgement.objects.filter(inspection=kent).count() == 5
    (report,) = Report.objects.filter(inspection=kent)
    assert report.status == "published" and report.version == 1
    assert report.data["methodology"]["stages"] == []
    # the report's grand total is every signed-off case
    assert report.data["results"]["cases"] == audits.count()


@pytest.mark.django_db
def test_the_demo_publishes_a_thematic_report_across_staffordshire_and_kent(demo_database):
    from cpinspect.demo.builder import THEMATIC_TITLE
    from cpinspect.reports.models import Report

    (thematic,) = Report.objects.filter(kind="thematic")
    assert thematic.status == "published" and thematic.published_at is not None
    assert thematic.title == THEMATIC_TITLE
    forces = {i.subject_force.name for i in thematic.inspections.all()}
    assert forces == {"Staffordshire", "Kent"}
    coverage = {r["force"]: r["cases"] for r in thematic.data["coverage"]["rows"]}
    assert coverage == {
        name: CaseAudit.objects.filter(inspection=cp_inspection(name)).count()
        for name in ("Staffordshire", "Kent")
    }
    assert thematic.data["results"]["cases"] == sum(coverage.values())


@pytest.mark.django_db
def test_the_attacker_given_every_demo_publication_recovers_nothing(demo_database):
    """Every public version of every report in the demo (both forces' reports, the
    correction and the thematic report): the independent attacker (tests/disclosure_attacker)
    finds no [c] it can tell exactly, or tell is 5 or less (docs/disclosure-control.md)."""
    from cpinspect.reports.models import Report
    from tests.disclosure_attacker import attack, publications_of

    public = Report.objects.filter(status__in=["published", "superseded"]).order_by("pk")
    assert sorted(public.values_list("kind", flat=True)) == ["force", "force", "force", "thematic"]
    found = attack(publications_of(public))
    print(f"\nattacker on every demo publication: {found.tables} tables, {found.cells} [c] tried")
    assert found.tables >= 4 and found.cells > 0
    assert not found.recovered and not found.small, (found.recovered, found.small)


@pytest.mark.django_db
def test_kents_force_page_links_to_its_report(demo_database, client):
    from django.urls import reverse

    from cpinspect.reports.models import Report

    report = Report.objects.get(inspection=cp_inspection("Kent"), status="published")
    page = client.get(reverse("force-detail", args=["E23000032"])).content.decode()
    table = page.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    assert f'href="{reverse("report-detail", args=[report.pk])}"' in table
    assert "Read the report" in table and ">Published<" in table
    assert "No report published" not in table

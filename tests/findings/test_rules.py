"""The rules of findings, through the services: causes of concern and their recommendations,
areas for improvement, judgements and their scale, follow-up proposals and action plans."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from pghistory.models import Events

from cpinspect.findings import selectors, services
from cpinspect.findings.models import (
    ActionPlan,
    ActionPlanStatus,
    AreaForImprovement,
    CauseOfConcern,
    FollowUpProposal,
    FollowUpReason,
    Judgement,
    ProposalStatus,
    Recommendation,
    RecommendationStatus,
    Topic,
)
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Inspection, InspectionType, Programme, Status, TeamRole
from tests.findings.conftest import publish, rec
from tests.fixtures import programme_manager

pytestmark = pytest.mark.django_db


def cause(inspection, user, recommendations=None, topic=Topic.INVESTIGATION, title="Delays"):
    return services.cause_of_concern_create(
        inspection=inspection,
        user=user,
        topic=topic,
        title=title,
        text="Investigations of child sexual abuse wait weeks to be allocated.",
        recommendations=[rec()] if recommendations is None else recommendations,
    )


def judge(inspection, user, topic=Topic.INVESTIGATION, grade="inadequate"):
    """Record as the lead would from the judgement page: from the version stored now."""
    stored = Judgement.objects.filter(inspection=inspection, topic=topic).first()
    return services.judgement_record(
        inspection=inspection, user=user, topic=topic, grade=grade, rationale="What we found.",
        expected_version=stored.version if stored else 0,
    )  # fmt: skip


# --- a cause of concern always carries at least one recommendation -------------------------


def test_a_cause_of_concern_without_a_recommendation_is_refused(inspection, people):
    with pytest.raises(services.FindingsRefused, match="at least one recommendation"):
        cause(inspection, people["inspector"], recommendations=[])
    assert not CauseOfConcern.objects.exists()
    made = cause(inspection, people["inspector"], recommendations=[rec("One"), rec("Two")])
    assert [r.text for r in made.recommendations.order_by("pk")] == ["One", "Two"]
    assert {r.inspection_id for r in made.recommendations.all()} == {inspection.pk}


def test_the_last_recommendation_of_a_cause_cannot_be_deleted_or_moved(inspection, people):
    user = people["inspector"]
    made = cause(inspection, user)
    only = made.recommendations.get()
    with pytest.raises(services.FindingsRefused, match="always carries at least one"):
        services.recommendation_delete(recommendation=only, user=user, expected_version=1)
    with pytest.raises(services.FindingsRefused, match="always carries at least one"):
        services.recommendation_update(
            recommendation=only, user=user, text="Moved", owner="Chief Constable",
            due_on=only.due_on, cause_of_concern=None, expected_version=only.version,
        )  # fmt: skip
    assert made.recommendations.get().pk == only.pk
    second = services.recommendation_add(
        inspection=inspection, user=user, text="Second", owner="Head of PPU",
        due_on=date(2027, 5, 1), cause_of_concern=made,
    )  # fmt: skip
    services.recommendation_delete(recommendation=only, user=user, expected_version=only.version)
    assert list(made.recommendations.all()) == [second]
    # deleting the cause takes its recommendations with it
    services.cause_of_concern_delete(cause=made, user=user, expected_version=made.version)
    assert not Recommendation.objects.exists() and not CauseOfConcern.objects.exists()


def test_the_database_refuses_a_cause_left_without_a_recommendation(inspection, people):
    made = cause(inspection, people["inspector"])
    refused = pytest.raises(IntegrityError, match="always carries at least one")
    with refused, transaction.atomic():
        Recommendation.objects.filter(cause_of_concern=made).delete()
        with connection.cursor() as cursor:  # the check is deferred to commit: run it now
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    refused = pytest.raises(IntegrityError, match="has no recommendation")
    with refused, transaction.atomic():
        CauseOfConcern.objects.create(inspection=inspection, title="Bare", text="No rec")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert made.recommendations.count() == 1


def test_a_recommendation_needs_an_owner_and_a_due_date(inspection, people):
    with pytest.raises(ValidationError) as refused:
        services.recommendation_add(
            inspection=inspection, user=people["lead"], text="Do it", owner=" ", due_on=None
        )
    assert set(refused.value.message_dict) == {"owner", "due_on"}
    made = services.recommendation_add(
        inspection=inspection, user=people["lead"], text="Do it", owner="ACC Crime",
        due_on=date(2027, 3, 1),
    )  # fmt: skip
    assert (made.owner, made.due_on, made.status) == ("ACC Crime", date(2027, 3, 1), "open")
    assert made.cause_of_concern is None


def test_an_area_for_improvement_has_no_owner_date_or_status(inspection, people):
    fields = {f.name for f in AreaForImprovement._meta.get_fields()}
    assert fields == {"id", "inspection", "topic", "text", "created_at", "events", "version"}
    area = services.area_for_improvement_add(
        inspection=inspection, user=people["analyst"], text="Supervision is not recorded."
    )
    assert area.text == "Supervision is not recorded." and area.topic == ""
    with pytest.raises(TypeError):
        services.area_for_improvement_add(
            inspection=inspection, user=people["analyst"], text="x", owner="Chief Constable"
        )
    # and no follow-up for a lesser shortfall
    assert not FollowUpProposal.objects.exists()


def test_only_the_team_records_findings(inspection, kent_inspection, people):
    for who in ("programme_manager", "other_lead", "administrator", "liaison", "partner"):
        with pytest.raises(PermissionDenied):
            cause(inspection, people[who])
        with pytest.raises(PermissionDenied):
            services.area_for_improvement_add(inspection=inspection, user=people[who], text="x")
    cause(inspection, people["analyst"])  # every place on the team may record
    assert CauseOfConcern.objects.count() == 1


def test_a_joint_inspection_records_areas_for_improvement_only(joint_inspection, people):
    with pytest.raises(services.FindingsRefused, match="ungraded letter"):
        cause(joint_inspection, people["partner"])
    with pytest.raises(services.FindingsRefused, match="is not graded"):
        judge(joint_inspection, people["lead"])
    area = services.area_for_improvement_add(
        inspection=joint_inspection, user=people["partner"], text="Share information sooner."
    )
    assert area.inspection == joint_inspection


# --- judgements and their scale ------------------------------------------------------------


def _inspection_in(name, starts_on, reference, people):
    programme = Programme.objects.create(
        name=name, starts_on=starts_on, ends_on=starts_on.replace(year=starts_on.year + 1)
    )
    made = programme_services.inspection_create(
        programme_manager(),
        programme=programme,
        kind=InspectionType.CHILD_PROTECTION,
        force=reference["kent"],
        fieldwork_starts_on=starts_on + timedelta(days=60),
    )
    programme_services.team_member_add(
        programme_manager(), inspection=made, person=people["lead"], role=TeamRole.LEAD
    )
    return made


def test_the_scale_has_five_grades_from_2021_22_and_four_before(reference, people):
    old = _inspection_in("2018/19", date(2018, 4, 1), reference, people)
    new = _inspection_in("2021/22", date(2021, 4, 1), reference, people)
    assert selectors.scale_of(old) == "four_point"
    assert [g for g, _ in selectors.grades_of(selectors.scale_of(old))] == [
        "outstanding", "good", "requires_improvement", "inadequate",
    ]  # fmt: skip
    assert selectors.scale_of(new) == "five_point"
    assert len(selectors.grades_of(selectors.scale_of(new))) == 5
    with pytest.raises(ValidationError, match="outstanding, good, requires improvement, inade"):
        judge(old, people["lead"], grade="adequate")
    judged = judge(new, people["lead"], grade="adequate")
    assert (judged.scale, judged.grade) == ("five_point", "adequate")
    judged = judge(old, people["lead"], grade="requires_improvement")
    assert judged.scale == "four_point"
    # the database refuses adequate on four points too
    with pytest.raises(IntegrityError), transaction.atomic():
        Judgement.objects.filter(pk=judged.pk).update(grade="adequate")


def test_only_the_lead_records_a_judgement_with_a_rationale(inspection, people):
    for who in ("inspector", "moderator", "analyst", "other_lead", "programme_manager"):
        with pytest.raises(PermissionDenied, match="lead inspector"):
            judge(inspection, people[who])
    with pytest.raises(ValidationError, match="rationale"):
        services.judgement_record(
            inspection=inspection, user=people["lead"], topic="leadership", grade="good",
            rationale="  ", expected_version=0,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="not a graded topic"):
        judge(inspection, people["lead"], topic="custody")


def test_a_judgement_is_one_per_topic_and_keeps_what_was_suggested(inspection, people):
    lead = people["lead"]
    cause(inspection, people["inspector"], topic=Topic.INVESTIGATION)
    first = judge(inspection, lead, grade="good")
    # no case grades yet; one cause of concern in the topic: requires improvement suggested
    assert first.suggested_grade == "requires_improvement"
    assert first.evidence == {
        "cases_by_grade": {"good": 0, "requires_improvement": 0, "inadequate": 0},
        "causes_of_concern": 1,
    }
    assert first.decided_by == lead
    again = judge(inspection, lead, grade="requires_improvement")
    assert again.pk == first.pk and Judgement.objects.count() == 1
    assert Judgement.objects.get().grade == "requires_improvement"
    # the change is in the audit trail
    events = Events.objects.filter(pgh_obj_model="findings.Judgement", pgh_obj_id=str(first.pk))
    assert sorted(e.pgh_label for e in events) == ["insert", "update"]


def test_topic_evidence_counts_causes_by_topic_and_no_cases_before_the_audit(inspection, people):
    cause(inspection, people["lead"], topic=Topic.INVESTIGATION)
    cause(inspection, people["lead"], topic=Topic.INVESTIGATION, title="Second")
    cause(inspection, people["lead"], topic="", title="Cross-cutting")
    evidence = selectors.topic_evidence(inspection)
    assert set(evidence) == set(Topic.values)
    assert evidence[Topic.INVESTIGATION].causes_of_concern == 2
    assert evidence[Topic.LEADERSHIP].causes_of_concern == 0
    assert all(e.cases == 0 for e in evidence.values())
    no_cases = {"good": 0, "requires_improvement": 0, "inadequate": 0}
    assert selectors.case_grades_by_topic(inspection) == {t: no_cases for t in Topic.values}


# --- follow-up proposals -------------------------------------------------------------------


def test_an_inadequate_judgement_proposes_one_re_inspection(inspection, people):
    judge(inspection, people["lead"], topic=Topic.LEADERSHIP, grade="good")
    assert not FollowUpProposal.objects.exists()
    judge(inspection, people["lead"], topic=Topic.INVESTIGATION, grade="inadequate")
    judge(inspection, people["lead"], topic=Topic.INITIAL_RESPONSE, grade="inadequate")
    proposal = FollowUpProposal.objects.get()
    assert (proposal.reason, proposal.kind, proposal.status) == (
        "inadequate_judgement", "re_inspection", "proposed",
    )  # fmt: skip
    assert (proposal.window_from_months, proposal.window_to_months) == (9, 15)
    # the reason goes away: the undecided proposal is withdrawn; it comes back: proposed again
    judge(inspection, people["lead"], topic=Topic.INVESTIGATION, grade="requires_improvement")
    judge(inspection, people["lead"], topic=Topic.INITIAL_RESPONSE, grade="requires_improvement")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    judge(inspection, people["lead"], topic=Topic.INVESTIGATION, grade="inadequate")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert FollowUpProposal.objects.count() == 1


def test_a_cause_of_concern_proposes_one_post_inspection_review(inspection, people):
    first = cause(inspection, people["lead"])
    cause(inspection, people["lead"], title="Second")
    proposal = FollowUpProposal.objects.get()
    assert (proposal.reason, proposal.kind) == ("cause_of_concern", "post_inspection_review")
    assert (proposal.window_from_months, proposal.window_to_months) == (3, 6)
    judge(inspection, people["lead"])  # inadequate: a second proposal, for the other reason
    assert FollowUpProposal.objects.count() == 2
    services.cause_of_concern_delete(cause=first, user=people["lead"], expected_version=1)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED  # one cause of concern is left


def test_accepting_a_proposal_puts_a_follow_up_in_the_programme(inspection, people, next_programme):
    cause(inspection, people["lead"])
    proposal = FollowUpProposal.objects.get()
    with pytest.raises(PermissionDenied, match="programme manager"):
        services.follow_up_accept(
            proposal=proposal, user=people["lead"], fieldwork_starts_on=date(2027, 9, 6),
            expected_version=proposal.version,
        )  # fmt: skip
    with pytest.raises(services.FindingsRefused, match="No programme covers 06 September 2029"):
        services.follow_up_accept(
            proposal=proposal,
            user=people["programme_manager"],
            fieldwork_starts_on=date(2029, 9, 6),
            expected_version=proposal.version,
        )
    with pytest.raises(ValidationError, match="starts after the inspection's fieldwork"):
        services.follow_up_accept(
            proposal=proposal,
            user=people["programme_manager"],
            fieldwork_starts_on=date(2026, 10, 6),
            expected_version=proposal.version,
        )
    follow_up = services.follow_up_accept(
        proposal=proposal, user=people["programme_manager"], fieldwork_starts_on=date(2027, 9, 6),
        expected_version=proposal.version,
    )  # fmt: skip
    assert Inspection.objects.get(pk=follow_up.pk).programme == next_programme
    assert (follow_up.kind, follow_up.force, follow_up.status) == (
        "post_inspection_review", inspection.force, "planned",
    )  # fmt: skip
    assert follow_up.fieldwork_ends_on == date(2027, 9, 8)  # three working days
    assert follow_up in next_programme.inspections.all()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.follow_up, proposal.decided_by) == (
        "accepted", follow_up, people["programme_manager"],
    )  # fmt: skip
    with pytest.raises(services.FindingsRefused, match="This follow-up is accepted"):
        services.follow_up_accept(
            proposal=proposal,
            user=people["programme_manager"],
            fieldwork_starts_on=date(2027, 9, 6),
            expected_version=proposal.version,
        )
    # a decided proposal stays decided when its reason goes away
    last = CauseOfConcern.objects.get()
    services.cause_of_concern_delete(cause=last, user=people["lead"], expected_version=last.version)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED


def test_accepting_may_change_the_kind_and_declining_needs_a_reason(
    inspection, people, next_programme
):
    judge(inspection, people["lead"])
    cause(inspection, people["lead"])
    re_inspection = FollowUpProposal.objects.get(reason=FollowUpReason.INADEQUATE_JUDGEMENT)
    review = FollowUpProposal.objects.get(reason=FollowUpReason.CAUSE_OF_CONCERN)
    planned = services.follow_up_accept(
        proposal=re_inspection,
        user=people["programme_manager"],
        fieldwork_starts_on=date(2027, 10, 4),
        kind=InspectionType.POST_INSPECTION_REVIEW,
        expected_version=re_inspection.version,
    )
    assert planned.kind == "post_inspection_review"
    with pytest.raises(ValidationError, match="Say why"):
        services.follow_up_decline(
            proposal=review, user=people["programme_manager"], note=" ",
            expected_version=review.version,
        )  # fmt: skip
    services.follow_up_decline(
        proposal=review, user=people["programme_manager"], note="Covered by the re-inspection.",
        expected_version=review.version,
    )  # fmt: skip
    review.refresh_from_db()
    assert (review.status, review.follow_up) == ("declined", None)
    assert review.decision_note == "Covered by the re-inspection."


# --- publication: findings fixed, the action plan due in six weeks -------------------------


def test_publishing_opens_the_action_plan_due_exactly_42_days_later(inspection, people):
    cause(inspection, people["lead"])
    assert not ActionPlan.objects.exists()
    change = publish(inspection, people)
    plan = ActionPlan.objects.get(inspection=inspection)
    published = timezone.localdate(change.changed_at)
    assert plan.published_on == published == selectors.published_on(inspection)
    assert plan.due_on == published + timedelta(days=42)
    assert (plan.due_on - plan.published_on).days == 42
    assert plan.status == ActionPlanStatus.AWAITED
    assert not plan.is_overdue(plan.due_on)
    assert plan.is_overdue(plan.due_on + timedelta(days=1))
    # calling the service again (or for another move) changes nothing
    assert services.action_plan_open(status_change=change) == plan
    assert ActionPlan.objects.count() == 1


def test_the_action_plan_is_opened_only_by_someone_who_may_publish(inspection, people):
    change = publish(inspection, people)
    change.changed_by = people["lead"]
    with pytest.raises(PermissionDenied, match="programme manager"):
        services.action_plan_open(status_change=change)


def test_recording_the_action_plan(inspection, people):
    publish(inspection, people)
    plan = ActionPlan.objects.get()
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="Give the date"):
        services.action_plan_record(
            plan=plan, user=people["inspector"], status="received", received_on=None,
            expected_version=plan.version,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="in the future"):
        services.action_plan_record(
            plan=plan, user=people["inspector"], status="received",
            received_on=today + timedelta(days=1), expected_version=plan.version,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.action_plan_record(
            plan=plan, user=people["liaison"], status="received", received_on=today,
            expected_version=plan.version,
        )  # fmt: skip
    services.action_plan_record(
        plan=plan, user=people["programme_manager"], status="accepted", received_on=today,
        expected_version=plan.version,
    )  # fmt: skip
    plan.refresh_from_db()
    assert (plan.status, plan.received_on) == ("accepted", today)
    assert not plan.is_overdue(plan.due_on + timedelta(days=10))


def test_a_joint_inspection_has_no_force_action_plan(joint_inspection, people):
    publish(joint_inspection, people)
    assert joint_inspection.status == Status.PUBLISHED
    assert not ActionPlan.objects.exists()


def test_published_findings_are_fixed_and_recommendations_tracked(inspection, people):
    made = cause(inspection, people["lead"])
    only = made.recommendations.get()
    with pytest.raises(services.FindingsRefused, match="tracked once the report is published"):
        services.recommendation_set_status(
            recommendation=only, user=people["lead"], status="in_progress",
            expected_version=only.version,
        )  # fmt: skip
    publish(inspection, people)
    with pytest.raises(services.FindingsRefused, match="report is published"):
        cause(inspection, people["lead"], title="Late")
    with pytest.raises(services.FindingsRefused, match="report is published"):
        judge(inspection, people["lead"])
    with pytest.raises(services.FindingsRefused, match="report is published"):
        services.area_for_improvement_add(inspection=inspection, user=people["lead"], text="x")
    with pytest.raises(PermissionDenied):
        services.recommendation_set_status(
            recommendation=only, user=people["liaison"], status="completed",
            expected_version=only.version,
        )  # fmt: skip
    services.recommendation_set_status(
        recommendation=only, user=people["inspector"], status="in_progress", note="Plan agreed.",
        expected_version=only.version,
    )  # fmt: skip
    services.recommendation_set_status(
        recommendation=only, user=people["programme_manager"], status="completed",
        expected_version=only.version,
    )  # fmt: skip
    with pytest.raises(services.FindingsRefused, match="already completed"):
        services.recommendation_set_status(
            recommendation=only, user=people["lead"], status="completed",
            expected_version=only.version,
        )  # fmt: skip
    only.refresh_from_db()
    assert only.status == RecommendationStatus.COMPLETED
    history = [(c.from_status, c.to_status, c.note) for c in only.status_changes.all()]
    assert history == [("open", "in_progress", "Plan agreed."), ("in_progress", "completed", "")]


# --- the national board --------------------------------------------------------------------


def test_the_board_lists_open_recommendations_overdue_first(inspection, kent_inspection, people):
    today = date(2027, 3, 1)
    user = people["lead"]
    late = services.recommendation_add(
        inspection=inspection, user=user, text="Late", owner="CC", due_on=date(2027, 2, 1)
    )
    soon = services.recommendation_add(
        inspection=inspection, user=user, text="Soon", owner="CC", due_on=date(2027, 3, 15)
    )
    later = services.recommendation_add(
        inspection=inspection, user=user, text="Later", owner="CC", due_on=date(2027, 9, 1)
    )
    done = services.recommendation_add(
        inspection=inspection, user=user, text="Done", owner="CC", due_on=date(2026, 12, 1)
    )
    programme_services.inspection_transition(
        people["other_lead"],
        inspection=kent_inspection,
        target=Status.FIELDWORK,
    )
    kent_late = services.recommendation_add(
        inspection=kent_inspection, user=people["other_lead"], text="Kent very late",
        owner="CC", due_on=date(2027, 1, 10),
    )  # fmt: skip
    # nothing is on the board before publication
    assert list(selectors.recommendations_board(user, today=today)) == []
    publish(inspection, people)
    publish(kent_inspection, people, lead="other_lead")
    for rec_, status in ((done, "completed"), (soon, "in_progress")):
        services.recommendation_set_status(
            recommendation=rec_, user=user, status=status, expected_version=rec_.version
        )

    board = list(selectors.recommendations_board(user, today=today))
    assert board == [kent_late, late, soon, later]
    assert [r.overdue for r in board] == [True, True, False, False]
    # filtered by force and by status
    essex = inspection.force
    assert list(selectors.recommendations_board(user, force=essex, today=today)) == [
        late, soon, later,
    ]  # fmt: skip
    assert list(selectors.recommendations_board(user, status="completed", today=today)) == [done]
    assert list(selectors.recommendations_board(user, status="in_progress", today=today)) == [soon]
    # a force liaison officer sees their own force only; a partner sees none of these
    assert list(selectors.recommendations_board(people["liaison"], today=today)) == [
        late, soon, later,
    ]  # fmt: skip
    assert list(selectors.recommendations_board(people["other_liaison"], today=today)) == [
        kent_late
    ]
    assert list(selectors.recommendations_board(people["partner"], today=today)) == []


def test_counts_for_the_programmes_priorities(inspection, people):
    made = cause(inspection, people["lead"], recommendations=[rec(due=date(2027, 1, 1))])
    force = inspection.force
    assert selectors.open_causes_of_concern_count(force) == 0  # not published yet
    publish(inspection, people)
    assert selectors.open_causes_of_concern_count(force) == 1
    assert selectors.overdue_recommendations_count(force, date(2027, 1, 2)) == 1
    assert selectors.overdue_recommendations_count(force, date(2027, 1, 1)) == 0
    services.recommendation_set_status(
        recommendation=made.recommendations.get(), user=people["lead"], status="completed",
        expected_version=1,
    )  # fmt: skip
    assert selectors.open_causes_of_concern_count(force) == 0
    assert selectors.overdue_recommendations_count(force, date(2027, 1, 2)) == 0


def test_add_months_keeps_the_day_or_the_months_last():
    assert selectors.add_months(date(2026, 11, 26), 3) == date(2027, 2, 26)
    assert selectors.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert selectors.add_months(date(2027, 1, 31), 13) == date(2028, 2, 29)
    assert selectors.add_months(date(2026, 12, 5), 0) == date(2026, 12, 5)

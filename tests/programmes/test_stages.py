"""Stages that close (issue #11, item 4; ADR 0021): each lifecycle move checks that its stage
is finished and lists what is outstanding; moving on anyway needs a reason, kept on the move
with the list and named in the report's methodology annex.

The inspection is Essex as the issue found it: 70 cases sampled, 5 examined, 2 signed off,
one judgement of five decided, and (later) the force's factual accuracy comment unanswered.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cpinspect.assessments import services as audit_services
from cpinspect.assessments.models import Assessment, CaseAudit
from cpinspect.casefiles import sampling
from cpinspect.casefiles import services as casefiles_services
from cpinspect.casefiles.models import SampledCase
from cpinspect.findings import services as findings_services
from cpinspect.programmes import readiness, services
from cpinspect.programmes.models import Inspection, Status, StatusChange
from cpinspect.reports import services as report_services
from cpinspect.reports.models import Report, ReportComment
from tests.assessments.conftest import (  # noqa: F401 (fixtures shared with the audit tests)
    allocated,
    audit_env,
    sample,
    second_inspector,
    submit,
)
from tests.casefiles.conftest import TODAY, synthetic_csv

pytestmark = pytest.mark.django_db

NO_MODERATION = {"first_per_inspector": 0, "random_share": 0.0, "all_inadequate": False}

REASONS = {
    Status.MODERATION: "The force asked for fieldwork to end on the agreed date.",
    Status.REPORTING: "The remaining cases are examined by a second team next month.",
    Status.FACTUAL_ACCURACY: "The lead will decide the remaining grades with the force's view.",
    Status.PUBLISHED: "The minister asked for the report on the date announced.",
    Status.CLOSED: "The force's plan is followed up in the next programme.",
}


@pytest.fixture
def essex(inspection, people, settings):
    settings.CPINSPECT_MODERATION_RULE = NO_MODERATION
    lead = people["lead"]
    extract = casefiles_services.extract_import(
        inspection=inspection,
        user=lead,
        data=synthetic_csv(900, seed=23),
        profile_name="canonical",
        via="cli",
        today=TODAY,
    )
    casefiles_services.sample_draw(
        extract=extract,
        user=lead,
        design=sampling.Design(size=70, method="proportional", minimum=2),
        seed=5,
    )
    audits = audit_services.cases_allocate(inspection=inspection, user=lead)
    for audit in audits[:5]:
        submit(audit, audit.examiner)
    for audit in audits[:2]:
        audit.refresh_from_db()
        audit_services.case_sign_off(audit=audit, user=lead)
    findings_services.judgement_record(
        inspection=inspection,
        user=lead,
        topic="leadership",
        grade="requires_improvement",
        rationale="Leaders know the risks but do not act on them quickly.",
        expected_version=0,  # there was none
    )
    return inspection


def _counts(inspection):
    """The audit's figures, counted here from the rows (not by the readiness checks)."""
    sampled = SampledCase.objects.filter(sample__inspection=inspection, status="sampled").count()
    examined = Assessment.objects.filter(
        audit__inspection=inspection, kind="first", status="submitted"
    ).count()
    signed = CaseAudit.objects.filter(inspection=inspection, locked_at__isnull=False).count()
    return sampled, examined, signed


def _refused_without_reason(inspection, target, user, *phrases):
    """The move without a reason is refused, names each phrase, and changes nothing."""
    before = StatusChange.objects.filter(inspection=inspection).count()
    status = Inspection.objects.get(pk=inspection.pk).status
    with pytest.raises(services.TransitionRefused) as refused:
        services.inspection_transition(user, inspection=inspection, target=target)
    for phrase in phrases:
        assert phrase in str(refused.value)
    assert Inspection.objects.get(pk=inspection.pk).status == status
    assert StatusChange.objects.filter(inspection=inspection).count() == before
    return refused.value


def _codes(change):
    return [item["code"] for item in change.outstanding]


def test_an_incomplete_inspection_is_refused_at_every_move_and_recorded_with_its_reason(
    essex, people
):
    lead, planner, liaison = people["lead"], people["programme_manager"], people["liaison"]
    sampled, examined, signed = _counts(essex)
    assert (sampled, examined, signed) == (70, 5, 2)

    # fieldwork to moderation: 65 cases not examined
    _refused_without_reason(
        essex,
        Status.MODERATION,
        lead,
        f"{sampled - examined} of {sampled} sampled cases have no submitted examination",
    )
    change = services.inspection_transition(
        lead,
        inspection=essex,
        target=Status.MODERATION,
        reason=REASONS[Status.MODERATION],
    )
    assert _codes(change) == ["first_examinations"]
    assert change.outstanding[0]["count"] == sampled - examined
    assert change.reason == REASONS[Status.MODERATION]

    # moderation to reporting: still not examined, and 68 not signed off
    _refused_without_reason(
        essex,
        Status.REPORTING,
        lead,
        f"{sampled - examined} of {sampled} sampled cases have no submitted examination",
        f"{sampled - signed} of {sampled} sampled cases are not signed off",
    )
    change = services.inspection_transition(
        lead,
        inspection=essex,
        target=Status.REPORTING,
        reason=REASONS[Status.REPORTING],
    )
    assert _codes(change) == ["first_examinations", "sign_offs"]

    # reporting to the factual accuracy check: 4 of 5 topics have no judgement
    report = report_services.report_build(inspection=essex, user=lead)
    _refused_without_reason(
        essex,
        Status.FACTUAL_ACCURACY,
        lead,
        "4 of 5 topics have no judgement: partnership working, initial response, "
        "risk assessment and referral, investigation",
    )
    report.refresh_from_db()
    assert report.status == "draft"  # the refusal moved nothing, the report neither
    change = services.inspection_transition(
        lead,
        inspection=essex,
        target=Status.FACTUAL_ACCURACY,
        reason=REASONS[Status.FACTUAL_ACCURACY],
    )
    assert _codes(change) == ["judgements"]
    report.refresh_from_db()
    assert report.status == "factual_accuracy"

    # publication: the judgements, and the force's comment unanswered
    report_services.report_comment_add(
        report=report, user=liaison, section="summary", text="The policy date is March."
    )
    _refused_without_reason(
        essex,
        Status.PUBLISHED,
        planner,
        "4 of 5 topics have no judgement",
        "1 of 1 factual accuracy comments from the force has no response",
    )
    change = services.inspection_transition(
        planner,
        inspection=essex,
        target=Status.PUBLISHED,
        reason=REASONS[Status.PUBLISHED],
    )
    assert _codes(change) == ["judgements", "comments"]
    report.refresh_from_db()
    assert report.status == "published"

    # the published methodology names each move made with work outstanding, and its reason
    stages = report.data["methodology"]["stages"]
    assert [(s["from"], s["to"], s["reason"]) for s in stages] == [
        ("Fieldwork", "Moderation", REASONS[Status.MODERATION]),
        ("Moderation", "Reporting", REASONS[Status.REPORTING]),
        ("Reporting", "Factual accuracy check", REASONS[Status.FACTUAL_ACCURACY]),
        ("Factual accuracy check", "Published", REASONS[Status.PUBLISHED]),
    ]
    assert stages[1]["outstanding"] == ["Sampled cases not yet examined", "Cases not signed off"]
    assert all(not any(ch.isdigit() for ch in t) for s in stages for t in s["outstanding"])
    for reason in list(REASONS.values())[:4]:
        assert reason.replace("'", "&#x27;") in report.html
    assert "Stages left with work outstanding, and reopenings" in report.html

    # closing: the force's action plan (opened at publication) has not arrived
    _refused_without_reason(
        essex, Status.CLOSED, planner, "The force's action plan has not been received"
    )
    change = services.inspection_transition(
        planner,
        inspection=essex,
        target=Status.CLOSED,
        reason=REASONS[Status.CLOSED],
    )
    assert _codes(change) == ["action_plan"]
    assert list(
        StatusChange.objects.filter(inspection=essex).values_list("to_status", flat=True)
    ) == [Status.MODERATION, Status.REPORTING, Status.FACTUAL_ACCURACY, Status.PUBLISHED, "closed"]


def test_a_finished_stage_moves_without_a_reason(inspection, allocated, people):  # noqa: F811
    """Once every case is examined, leaving fieldwork needs no reason and records none."""
    for audit in allocated:
        submit(audit, audit.examiner)
    assert readiness.outstanding(inspection, Status.MODERATION) == []
    change = services.inspection_transition(
        people["lead"],
        inspection=inspection,
        target=Status.MODERATION,
    )
    assert (change.outstanding, change.reason) == ([], "")


def test_a_reason_cannot_be_recorded_against_a_list_it_was_not_written_for(essex, people):
    """A stale page: the reason was written when 65 cases were unexamined; one more was
    examined since. The move is refused with the list as it is now, and nothing is recorded."""
    lead = people["lead"]
    seen = services.transition_preview(lead, inspection=essex, target=Status.MODERATION)
    audit = (
        CaseAudit.objects.filter(inspection=essex, assessments__isnull=True)
        .select_related("case", "examiner")
        .first()
    )
    audit.inspection = essex
    submit(audit, audit.examiner)
    with pytest.raises(services.OutstandingChanged) as changed:
        services.inspection_transition(
            lead,
            inspection=essex,
            target=Status.MODERATION,
            reason="Written about 65 cases.",
            outstanding_seen=seen.fingerprint,
        )
    assert "64 of 70" in changed.value.outstanding[0].detail
    assert not StatusChange.objects.filter(inspection=essex).exists()
    change = services.inspection_transition(
        lead,
        inspection=essex,
        target=Status.MODERATION,
        reason="Written about 64 cases.",
        outstanding_seen=changed.value.fingerprint,
    )
    assert change.outstanding[0]["count"] == 64


def test_a_reason_naming_a_case_is_refused_because_it_is_published(essex, people):
    pseudonym = SampledCase.objects.filter(sample__inspection=essex).first().pseudonym
    with pytest.raises(ValidationError) as invalid:
        services.inspection_transition(
            people["lead"],
            inspection=essex,
            target=Status.MODERATION,
            reason=f"Case {pseudonym} could not be found in time.",
        )
    assert "would publish a case pseudonym" in invalid.value.message_dict["reason"][0]
    assert not StatusChange.objects.filter(inspection=essex).exists()


def test_the_database_refuses_a_move_with_work_outstanding_but_no_reason(essex, people):
    """The constraint holds for a row written past the service, as the app role."""
    from django.db import IntegrityError, transaction

    for outstanding, reason, to in (
        ([{"code": "x", "title": "t", "detail": "d", "count": 1, "link": ""}], "", "moderation"),
        ([], "", "moderation"),  # reporting back to moderation (a reopening) needs a reason
    ):
        source = "fieldwork" if outstanding else "reporting"
        with pytest.raises(IntegrityError), transaction.atomic():
            StatusChange.objects.create(
                inspection=essex,
                from_status=source,
                to_status=to,
                changed_by=people["lead"],
                outstanding=outstanding,
                reason=reason,
            )


def test_a_recorded_move_cannot_be_rewritten(essex, people):
    from django.db import DatabaseError, connection, transaction

    change = services.inspection_transition(
        people["lead"],
        inspection=essex,
        target=Status.MODERATION,
        reason="On the date.",
    )
    with (
        pytest.raises(DatabaseError, match="Cannot update"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE programmes_statuschange SET reason = '', outstanding = '[]' WHERE id = %s",
            [change.pk],
        )
    change.refresh_from_db()
    assert change.reason == "On the date."


# --- the confirmation page and the API -------------------------------------------------------


def test_the_confirmation_page_lists_what_is_outstanding_before_the_move(essex, people, client):
    client.force_login(people["lead"])
    url = reverse("inspection-transition", args=[essex.pk])
    page = client.get(url, {"target": Status.MODERATION})
    assert page.status_code == 200
    text = page.content.decode()
    assert "65 of 70 sampled cases have no submitted examination." in text
    assert "Why move on with this work outstanding?" in text
    assert Inspection.objects.get(pk=essex.pk).status == Status.FIELDWORK  # a look moves nothing
    fingerprint = page.context["preview"].fingerprint
    version = page.context["form"]["version"].value()  # the page carries what it was read at
    assert version == Inspection.objects.get(pk=essex.pk).version

    # confirmed without a reason: the page again, with the error linked to the field
    refused = client.post(
        url,
        {
            "target": Status.MODERATION,
            "outstanding_seen": fingerprint,
            "note": "kept",
            "version": version,
        },
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'href="#id_reason"' in body and "Say why the move is made with this work" in body
    assert ">kept</textarea>" in body  # what was typed is kept
    assert not StatusChange.objects.filter(inspection=essex).exists()

    done = client.post(
        url,
        {
            "target": Status.MODERATION,
            "outstanding_seen": fingerprint,
            "reason": REASONS[Status.MODERATION],
            "version": version,
        },
    )
    assert done.status_code == 302
    change = StatusChange.objects.get(inspection=essex)
    assert (change.reason, _codes(change)) == (REASONS[Status.MODERATION], ["first_examinations"])
    timeline = client.get(reverse("inspection-detail", args=[essex.pk])).content.decode()
    assert REASONS[Status.MODERATION].replace("'", "&#x27;") in timeline


def test_a_stale_confirmation_page_is_refused_and_shows_the_list_as_it_is(essex, people, client):
    client.force_login(people["lead"])
    url = reverse("inspection-transition", args=[essex.pk])
    seen = client.get(url, {"target": Status.MODERATION}).context["preview"].fingerprint
    audit = (
        CaseAudit.objects.filter(inspection=essex, assessments__isnull=True)
        .select_related("case", "examiner")
        .first()
    )
    audit.inspection = essex
    submit(audit, audit.examiner)  # meanwhile, one more case is examined
    stale = client.post(
        url,
        {
            "target": Status.MODERATION,
            "outstanding_seen": seen,
            "reason": "About 65.",
            "version": essex.version,
        },
    )
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "What is outstanding has changed since you looked" in body
    assert "64 of 70 sampled cases" in body and "About 65." in body
    assert not StatusChange.objects.filter(inspection=essex).exists()


def test_the_api_lists_the_moves_and_asks_for_the_reason(essex, people, client):
    client.force_login(people["lead"])
    url = f"/api/inspections/{essex.pk}/moves/"
    moves = client.get(url).json()
    assert [m["target"] for m in moves] == [Status.MODERATION]
    assert moves[0]["needs_reason"] is True
    assert [o["code"] for o in moves[0]["outstanding"]] == ["first_examinations"]
    assert moves[0]["outstanding"][0]["count"] == 65

    refused = client.post(url, {"target": Status.MODERATION}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "reason_required"
    assert refused.json()["outstanding"][0]["detail"].startswith("65 of 70")
    assert not StatusChange.objects.filter(inspection=essex).exists()

    stale = client.post(
        url,
        {"target": Status.MODERATION, "reason": "On time.", "outstanding_seen": "0" * 16},
        content_type="application/json",
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "outstanding_changed")

    made = client.post(
        url,
        {
            "target": Status.MODERATION,
            "reason": "On time.",
            "outstanding_seen": moves[0]["outstanding_fingerprint"],
        },
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["reason"] == "On time."
    assert made.json()["outstanding"][0]["code"] == "first_examinations"
    client.force_login(people["inspector"])
    assert client.get(url).json() == []  # an inspector makes no move
    forbidden = client.post(
        url, {"target": Status.REPORTING, "reason": "x"}, content_type="application/json"
    )
    assert forbidden.status_code == 403


# --- reopening ------------------------------------------------------------------------------


def test_reopening_the_audit_is_a_recorded_move_with_a_reason(essex, people):
    lead, planner = people["lead"], people["programme_manager"]
    for target in (Status.MODERATION, Status.REPORTING):
        services.inspection_transition(lead, inspection=essex, target=target, reason="Late.")
    audit = CaseAudit.objects.filter(inspection=essex, locked_at__isnull=True).exclude(
        final_grade=""
    )[0]
    audit.inspection = essex
    with pytest.raises(audit_services.AuditClosed):
        audit_services.case_sign_off(audit=audit, user=lead)

    with pytest.raises(services.ReasonRequired, match="Give the reason to reopen"):
        services.inspection_transition(lead, inspection=essex, target=Status.MODERATION)
    with pytest.raises(services.NotAnActor):
        services.inspection_transition(
            people["inspector"],
            inspection=essex,
            target=Status.MODERATION,
            reason="x",
        )
    reopening = services.inspection_transition(
        planner,
        inspection=essex,
        target=Status.MODERATION,
        reason="A case was graded before its moderation was in.",
    )
    assert (reopening.from_status, reopening.to_status, reopening.changed_by) == (
        Status.REPORTING,
        Status.MODERATION,
        planner,
    )
    audit_services.case_sign_off(audit=audit, user=lead)  # open again
    _sampled, _examined, signed = _counts(essex)
    assert signed == 3

    # moving on again checks the stage again, and the audit closes again
    change = services.inspection_transition(
        lead,
        inspection=essex,
        target=Status.REPORTING,
        reason="The rest next month.",
    )
    assert change.outstanding[1]["detail"] == "67 of 70 sampled cases are not signed off."
    audit.refresh_from_db()
    with pytest.raises(audit_services.AuditClosed):
        audit_services.case_unlock(audit=audit, user=lead, reason="Again.")

    # the methodology names the reopening with its reason
    from cpinspect.reports import content

    stages = content.stages_block(essex)
    assert [s["reopening"] for s in stages] == [False, False, True, False]
    assert stages[2]["reason"] == "A case was graded before its moderation was in."


def test_writing_the_status_column_alone_reopens_nothing(essex, people):
    """The app role can write an inspection's status, but the audit stays closed until a
    reopening is recorded: the database asks the last recorded move as well."""
    lead = people["lead"]
    for target in (Status.MODERATION, Status.REPORTING):
        services.inspection_transition(lead, inspection=essex, target=target, reason="Late.")
    Inspection.objects.filter(pk=essex.pk).update(status=Status.FIELDWORK)
    essex.refresh_from_db()
    audit = CaseAudit.objects.filter(inspection=essex, locked_at__isnull=True).exclude(
        final_grade=""
    )[0]
    audit.inspection = essex
    with pytest.raises(audit_services.AuditClosed):
        audit_services.case_sign_off(audit=audit, user=lead)


def test_every_move_has_its_checks_registered_by_the_apps_that_own_them():
    from cpinspect.programmes import lifecycle

    owners = {
        (t.source, t.target): sorted(c.__module__ for c in readiness.checks_for(t.source, t.target))
        for t in lifecycle.TRANSITIONS
    }
    assert owners[(Status.FIELDWORK, Status.MODERATION)] == sorted(
        ["cpinspect.casefiles.readiness"] + ["cpinspect.assessments.readiness"] * 4
    )
    assert "cpinspect.reports.readiness" in owners[(Status.FACTUAL_ACCURACY, Status.PUBLISHED)]
    assert "cpinspect.findings.readiness" in owners[(Status.FACTUAL_ACCURACY, Status.PUBLISHED)]
    # the moves back check nothing: they finish no stage
    for back in [
        (Status.NOTIFIED, Status.PLANNED),
        (Status.FACTUAL_ACCURACY, Status.REPORTING),
        (Status.REPORTING, Status.MODERATION),
    ]:
        assert owners[back] == []
    # the registry imports no other app: each app owns its checks
    import inspect

    source = inspect.getsource(readiness)
    for app in ("assessments", "casefiles", "findings", "reports"):
        assert f"cpinspect.{app}" not in source


def test_the_published_reason_is_the_one_the_lifecycle_recorded(essex, people):
    """The report's record comes from the StatusChange rows: an answered comment is not
    outstanding, and a report sent with nothing else outstanding records no stage."""
    lead, planner, liaison = people["lead"], people["programme_manager"], people["liaison"]
    for target in (Status.MODERATION, Status.REPORTING):
        services.inspection_transition(lead, inspection=essex, target=target, reason="Late.")
    for topic in ("partnership_working", "initial_response", "risk_assessment_and_referral"):
        findings_services.judgement_record(
            inspection=essex,
            user=lead,
            topic=topic,
            grade="good",
            rationale="As seen.",
            expected_version=0,
        )
    findings_services.judgement_record(
        inspection=essex,
        user=lead,
        topic="investigation",
        grade="good",
        rationale="As seen.",
        expected_version=0,
    )
    report = report_services.report_build(inspection=essex, user=lead)
    report = report_services.report_send_for_factual_accuracy(report=report, user=lead)
    comment = report_services.report_comment_add(
        report=report, user=liaison, section="summary", text="A date."
    )
    report_services.report_comment_respond(comment=comment, user=lead, text="Corrected.")
    assert readiness.outstanding(Inspection.objects.get(pk=essex.pk), Status.PUBLISHED) == []
    report = report_services.report_publish(report=report, user=planner)
    assert [s["to"] for s in report.data["methodology"]["stages"]] == ["Moderation", "Reporting"]
    assert ReportComment.objects.get(pk=comment.pk).response == "Corrected."
    assert Report.objects.get(pk=report.pk).status == "published"


def test_a_reason_a_later_note_quotes_is_withheld_from_the_report(essex, people):
    """The reason was clean when given; a note written afterwards quotes it, so publishing
    it now would publish an inspector's note: the annex withholds it and says so."""
    from cpinspect.reports import content

    lead = people["lead"]
    reason = "The remaining cases are examined by a second team from the region next month."
    services.inspection_transition(
        lead,
        inspection=essex,
        target=Status.MODERATION,
        reason=reason,
    )
    audit = (
        CaseAudit.objects.filter(inspection=essex, assessments__isnull=True)
        .select_related("case", "examiner")
        .first()
    )
    audit.inspection = essex
    from tests.assessments.conftest import complete_draft

    draft = complete_draft(audit)
    draft.rationale = f"As the lead said: {reason}"
    mine = audit_services.assessment_open(audit=audit, user=audit.examiner)
    audit_services.assessment_save(
        assessment=mine, user=audit.examiner, draft=draft, expected_version=mine.version
    )
    report = report_services.report_build(inspection=essex, user=lead)
    assert [s["reason"] for s in report.data["methodology"]["stages"]] == [content.WITHHELD_REASON]
    assert reason not in report.html

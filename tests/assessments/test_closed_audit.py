"""Once the inspection has moved on from moderation its case-file audit is read only (issue #11,
item 4; ADR 0021): after publication no draft, submission, blind moderation, resolution,
allocation, unusable marking or sign-off is made, by service, page, API, or a raw write as the
application's database role. A child-at-risk escalation is raised and acknowledged at every
stage, and never refused for it."""

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from cpinspect.assessments import services
from cpinspect.assessments.models import Assessment, CaseAudit, CaseUnlock, Escalation
from cpinspect.casefiles.models import SampledCase
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Inspection, Status
from tests.assessments.conftest import complete_draft, submit

pytestmark = pytest.mark.django_db

ROAD = [
    (Status.MODERATION, "lead"),
    (Status.REPORTING, "lead"),
    (Status.FACTUAL_ACCURACY, "lead"),
    (Status.PUBLISHED, "programme_manager"),
]


def _publish(inspection, people):
    for target, who in ROAD:
        programme_services.inspection_transition(
            people[who],
            inspection=inspection,
            target=target,
            reason="For the test.",
        )
    inspection.refresh_from_db()
    assert inspection.status == Status.PUBLISHED


@pytest.fixture
def published(inspection, people, allocated):
    """Published with fieldwork under way: a first examination submitted and picked for blind
    moderation, the moderator's draft of it, another case in draft, one case signed off, one
    disagreement unresolved, and cases nobody opened."""
    inspector, moderator, lead = people["inspector"], people["moderator"], people["lead"]
    mine = [a for a in allocated if a.examiner_id == inspector.pk]
    picked, drafted, signed, disputed, untouched = mine[:5]
    submit(picked, inspector, grade="good")
    picked.refresh_from_db()
    assert picked.moderator_id == moderator.pk  # the rule picked it: the inspector's first
    blind = services.assessment_open(audit=picked, user=moderator)
    blind = services.assessment_save(  # the first save stores it (opening writes nothing)
        assessment=blind,
        user=moderator,
        draft=complete_draft(picked, "good"),
        expected_version=blind.version,
    )
    draft = services.assessment_open(audit=drafted, user=inspector)
    draft = services.assessment_save(
        assessment=draft,
        user=inspector,
        draft=complete_draft(drafted, "good"),
        expected_version=draft.version,
    )
    submit(signed, inspector, grade="good")
    submit(disputed, inspector, grade="good")
    signed.refresh_from_db()
    disputed.refresh_from_db()
    submit(signed, signed.moderator, grade="good")  # picked too: agreed, so it has its grade
    submit(disputed, disputed.moderator, grade="inadequate")
    signed.refresh_from_db()
    services.case_sign_off(audit=signed, user=lead)
    _publish(inspection, people)
    return {
        "picked": picked,
        "blind": Assessment.objects.get(pk=blind.pk),
        "drafted": drafted,
        "draft": Assessment.objects.get(pk=draft.pk),
        "signed": signed,
        "disputed": disputed,
        "untouched": untouched,
    }


def _snapshot(inspection):
    """Everything the audit holds, to compare before and after an attempt."""
    return (
        sorted(
            Assessment.objects.filter(audit__inspection=inspection).values_list(
                "pk", "kind", "status", "version", "overall_grade"
            )
        ),
        sorted(
            CaseAudit.objects.filter(inspection=inspection).values_list(
                "pk", "examiner_id", "moderator_id", "final_grade", "locked_at", "resolved_at"
            )
        ),
        sorted(
            SampledCase.objects.filter(sample__inspection=inspection).values_list("pk", "status")
        ),
        CaseUnlock.objects.filter(audit__inspection=inspection).count(),
    )


# --- services ---------------------------------------------------------------------------------


def test_after_publication_no_service_writes_the_audit(inspection, people, published):
    inspector, moderator, lead = people["inspector"], people["moderator"], people["lead"]
    before = _snapshot(inspection)
    drafted, picked = published["drafted"], published["picked"]
    attempts = {
        "save a draft": lambda: services.assessment_save(
            assessment=published["draft"],
            user=inspector,
            draft=complete_draft(drafted, "inadequate"),
            expected_version=published["draft"].version,
        ),
        "submit": lambda: services.assessment_save(
            assessment=published["draft"],
            user=inspector,
            draft=complete_draft(drafted, "inadequate"),
            expected_version=published["draft"].version,
            submit=True,
        ),
        "submit a blind moderation": lambda: services.assessment_save(
            assessment=published["blind"],
            user=moderator,
            draft=complete_draft(picked, "inadequate"),
            expected_version=published["blind"].version,
            submit=True,
        ),
        "allocate": lambda: services.cases_allocate(inspection=inspection, user=lead),
        "reallocate": lambda: services.case_reallocate(
            audit=published["untouched"], user=lead, examiner=people["moderator"]
        ),
        "choose a moderation": lambda: services.moderation_choose(
            audit=published["untouched"], user=lead
        ),
        "resolve": lambda: services.disagreement_resolve(
            audit=published["disputed"], user=lead, grade="inadequate", rationale="Late."
        ),
        "sign off": lambda: services.case_sign_off(audit=picked, user=lead),
        "unlock": lambda: services.case_unlock(audit=published["signed"], user=lead, reason="x"),
        "mark unusable": lambda: services.case_mark_unusable(
            audit=published["untouched"], user=lead, reason="No file."
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(services.AuditRefused, match="case-file audit is closed"):
            attempt()
        assert _snapshot(inspection) == before, name
    # opening a case nobody opened reads it and stores nothing (ADR 0018); its save is refused
    opened = services.assessment_open(audit=published["untouched"], user=inspector)
    assert opened.pk is None and _snapshot(inspection) == before
    with pytest.raises(services.AuditRefused, match="case-file audit is closed"):
        services.assessment_save(
            assessment=opened,
            user=inspector,
            draft=complete_draft(published["untouched"], "good"),
            expected_version=opened.version,
        )
    assert _snapshot(inspection) == before


def test_the_sample_cannot_change_either(inspection, people, sample):
    """Unusable marking from the sample page, and a new draw: the sample is the audit's."""
    from cpinspect.casefiles import services as casefiles_services

    _publish(inspection, people)
    case = SampledCase.objects.filter(sample=sample, status="sampled").first()
    before = _snapshot(inspection)
    with pytest.raises(casefiles_services.SampleRefused, match="audit is closed"):
        casefiles_services.sampled_case_mark_unusable(
            case=case, user=people["lead"], reason="No file."
        )
    # The stage refuses a draw first: no sample is drawn once the inspection is published.
    with pytest.raises(casefiles_services.SampleRefused, match="at the published stage"):
        casefiles_services.sample_draw(
            extract=sample.extract, user=people["lead"], design=None, seed=1
        )
    assert _snapshot(inspection) == before


# --- pages ------------------------------------------------------------------------------------


def _form(draft, version, action):
    data = {"version": version, "action": action, "rationale": draft.rationale}
    for qid, value in {**draft.answers, **draft.texts}.items():
        data[f"answer-{qid}"] = value
    for qid, note in draft.notes.items():
        data[f"note-{qid}"] = note
    return data


def test_after_publication_no_page_writes_the_audit(client, inspection, people, published):
    before = _snapshot(inspection)
    drafted, picked = published["drafted"], published["picked"]
    client.force_login(people["inspector"])
    url = reverse("assessments-assess", args=[inspection.pk, drafted.case_id]) + "?all=1"
    for action in ("save", "submit"):
        response = client.post(
            url, _form(complete_draft(drafted, "inadequate"), published["draft"].version, action)
        )
        assert response.status_code == 302
        assert "case-file audit is closed" in str(list(get_messages(response.wsgi_request))[0])
    autosave = client.post(
        url,
        _form(complete_draft(drafted), published["draft"].version, "save"),
        headers={"X-Autosave": "1"},
    )
    assert autosave.status_code == 409 and "closed" in autosave.json()["refused"]
    page = client.get(url)  # the stored draft, read only: no save, no submit
    assert page.status_code == 200
    assert "Submit the assessment" not in page.content.decode()
    assert "The case-file audit is closed" in page.content.decode()
    never = reverse("assessments-assess", args=[inspection.pk, published["untouched"].case_id])
    never += "?all=1"  # the one-page form (the sections are tested in test_sections.py)
    look = client.get(never)  # never opened: read only, and no row made for a look (ADR 0018)
    assert look.status_code == 200
    assert "Submit the assessment" not in look.content.decode()
    assert "The case-file audit is closed" in look.content.decode()
    assert _snapshot(inspection) == before

    client.force_login(people["moderator"])
    moderate = reverse("assessments-assess", args=[inspection.pk, picked.case_id])
    response = client.post(
        moderate, _form(complete_draft(picked, "inadequate"), published["blind"].version, "submit")
    )
    assert response.status_code == 302

    client.force_login(people["lead"])
    for action, data in (
        ("sign-off", {}),
        ("resolve", {"grade": "inadequate", "rationale": "Late."}),
        ("unusable", {"reason": "No file."}),
    ):
        case = published["disputed"] if action == "resolve" else published["untouched"]
        client.post(reverse(f"assessments-{action}", args=[inspection.pk, case.case_id]), data)
    client.post(reverse("assessments-allocate", args=[inspection.pk]))
    assert _snapshot(inspection) == before
    case_page = client.get(reverse("assessments-case", args=[inspection.pk, picked.case_id]))
    assert "Sign off and lock" not in case_page.content.decode()
    escalate = reverse("assessments-escalate", args=[inspection.pk, picked.case_id])
    assert f'action="{escalate}"' in case_page.content.decode()  # still offered


# --- API --------------------------------------------------------------------------------------


def _body(draft, version):
    return {
        "version": version,
        "answers": draft.answers,
        "notes": draft.notes,
        "texts": draft.texts,
        "overall_grade": draft.overall_grade,
        "rationale": draft.rationale,
    }


def test_after_publication_no_api_call_writes_the_audit(client, inspection, people, published):
    before = _snapshot(inspection)
    drafted, picked = published["drafted"], published["picked"]
    base = f"/api/inspections/{inspection.pk}/fieldwork/"
    client.force_login(people["inspector"])
    mine = f"{base}cases/{drafted.case_id}/assessment/"
    body = _body(complete_draft(drafted, "inadequate"), published["draft"].version)
    put = client.put(mine, body, content_type="application/json")
    assert put.status_code == 409 and "closed" in put.json()["detail"]
    posted = client.post(f"{mine}submit/", body, content_type="application/json")
    assert posted.status_code == 409
    never = client.get(f"{base}cases/{published['untouched'].case_id}/assessment/")
    assert never.status_code == 200 and never.json()["editable"] is False  # a look stores nothing
    assert client.get(mine).json()["editable"] is False
    assert client.get(base).json()["closed"] is True

    client.force_login(people["moderator"])
    blind = _body(complete_draft(picked, "inadequate"), published["blind"].version)
    response = client.post(
        f"{base}cases/{picked.case_id}/assessment/submit/", blind, content_type="application/json"
    )
    assert response.status_code == 409

    client.force_login(people["lead"])
    for path, data in (
        (f"cases/{picked.case_id}/sign-off/", {}),
        (f"cases/{published['disputed'].case_id}/resolve/", {"grade": "good", "rationale": "x"}),
        (f"cases/{published['untouched'].case_id}/unusable/", {"reason": "No file."}),
        ("allocate/", {}),
    ):
        assert client.post(base + path, data, content_type="application/json").status_code == 409
    assert _snapshot(inspection) == before


# --- the database, as the application's role ---------------------------------------------------


def _refused(sql, params):
    with (
        pytest.raises(IntegrityError, match="case-file audit of this inspection is closed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_the_app_role_cannot_write_a_closed_audit_in_sql(inspection, people, published):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "cpinspect_app"
    before = _snapshot(inspection)
    draft, blind = published["draft"], published["blind"]
    _refused(
        "UPDATE assessments_assessment SET status = 'submitted', submitted_at = now(), "
        "version = version + 1 WHERE id = %s",
        [draft.pk],
    )
    _refused(
        "UPDATE assessments_assessment SET status = 'submitted', overall_grade = 'inadequate' "
        "WHERE id = %s",
        [blind.pk],
    )
    _refused(
        "INSERT INTO assessments_assessment (audit_id, kind, examiner_id, status, answers, "
        "overall_grade, version, created_at, updated_at, updated_by_id) VALUES "
        "(%s, 'first', %s, 'submitted', '{}', 'good', 1, now(), now(), %s)",
        [published["untouched"].pk, people["inspector"].pk, people["inspector"].pk],
    )
    _refused("DELETE FROM assessments_assessment WHERE id = %s", [draft.pk])
    _refused(
        "UPDATE assessments_caseaudit SET locked_at = now(), locked_by_id = %s, "
        "final_grade = 'good' WHERE id = %s",
        [people["lead"].pk, published["picked"].pk],
    )
    _refused(
        "UPDATE assessments_caseaudit SET examiner_id = %s WHERE id = %s",
        [people["moderator"].pk, published["untouched"].pk],
    )
    _refused(
        "INSERT INTO assessments_caseunlock (audit_id, unlocked_by_id, unlocked_at, reason) "
        "VALUES (%s, %s, now(), 'x')",
        [published["signed"].pk, people["lead"].pk],
    )
    _refused(
        "UPDATE casefiles_sampledcase SET status = 'unusable', unusable_reason = 'x' WHERE id = %s",
        [published["untouched"].case_id],
    )
    assert _snapshot(inspection) == before

    # a child at risk is still escalated, by the same role, after publication
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO assessments_escalation (inspection_id, case_id, raised_by_id, raised_at, "
            "concern, status, acknowledged_by_force) VALUES (%s, %s, %s, now(), 'x', 'open', '')",
            [inspection.pk, published["untouched"].case_id, people["inspector"].pk],
        )
    assert Escalation.objects.filter(inspection=inspection).count() == 1


def test_the_app_role_cannot_reopen_by_writing_the_status(inspection, people, published):
    """Writing the status column back to fieldwork is not a recorded reopening."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE programmes_inspection SET status = 'fieldwork' WHERE id = %s", [inspection.pk]
        )
    _refused(
        "UPDATE assessments_assessment SET status = 'submitted' WHERE id = %s",
        [published["draft"].pk],
    )


# --- escalations: at every stage, never refused ----------------------------------------------


@pytest.mark.parametrize("status", Status.values)
def test_a_child_at_risk_is_escalated_at_every_stage(status, client, inspection, people, allocated):
    inspector = people["inspector"]
    audit = next(a for a in allocated if a.examiner_id == inspector.pk)
    Inspection.objects.filter(pk=inspection.pk).update(status=status)
    inspection.refresh_from_db()
    # by the service, the case page and the API, each at this stage
    escalation = services.escalation_raise(audit=audit, user=inspector, concern="Still at risk.")
    client.force_login(inspector)
    page = client.post(
        reverse("assessments-escalate", args=[inspection.pk, audit.case_id]),
        {"concern": "The sibling was never seen."},
    )
    assert page.status_code == 302
    api = client.post(
        f"/api/inspections/{inspection.pk}/fieldwork/cases/{audit.case_id}/escalations/",
        {"concern": "No safeguarding plan."},
        content_type="application/json",
    )
    assert api.status_code == 201
    assert Escalation.objects.filter(inspection=inspection, case=audit.case).count() == 3
    # and the force's acknowledgement is recorded at this stage too
    services.escalation_acknowledge(
        escalation=escalation, user=people["lead"], by_whom="DI Example"
    )
    escalation.refresh_from_db()
    assert escalation.status == "acknowledged"

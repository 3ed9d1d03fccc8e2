"""The case-file audit through the API, with the same rules as the pages: a whole assessment
(draft, submit), a conflict (both versions back), per-question problems, blind moderation,
resolution, sign-off and unlock, escalations, and the team-only rule."""

import json

import pytest
from django.urls import reverse

from cpinspect.assessments.models import Assessment, CaseAudit
from cpinspect.audittrail.models import AccessLogEntry
from tests.assessments.conftest import complete_draft, submit

pytestmark = pytest.mark.django_db

NO_MODERATION = {"first_per_inspector": 0, "random_share": 0.0}


def _url(name, inspection, audit=None, *extra):
    args = [inspection.pk] + ([audit.case_id] if audit else []) + list(extra)
    return reverse(name, args=args)


def _body(draft, version):
    return {
        "version": version,
        "answers": draft.answers,
        "notes": draft.notes,
        "texts": draft.texts,
        "overall_grade": draft.overall_grade,
        "rationale": draft.rationale,
    }


def _put(client, url, body):
    return client.put(url, body, content_type="application/json")


def _post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def _mine(people, allocated, key="inspector"):
    return next(a for a in allocated if a.examiner_id == people[key].pk)


def test_a_whole_assessment_through_the_api(client, inspection, people, allocated):
    user = people["inspector"]
    audit = _mine(people, allocated)
    client.force_login(user)
    rows = client.get(_url("api-fieldwork-worklist", inspection)).json()
    row = next(r for r in rows if r["case_id"] == audit.case_id)
    assert row == {
        "case_id": audit.case_id,
        "theme": audit.case.stratum,
        "theme_label": row["theme_label"],
        "task": "first",
        "status": None,
        "version": None,
        "locked": False,
        "waiting": False,
    }
    assert {r["case_id"] for r in rows} == {
        a.case_id for a in allocated if a.examiner_id == user.pk
    }
    url = _url("api-fieldwork-assessment", inspection, audit)
    opened = client.get(url).json()  # opens a draft, as the page does
    assert opened["version"] == 1 and opened["status"] == "draft" and opened["editable"]
    questions = {q["id"]: q for s in opened["sections"] for q in s["questions"]}
    assert questions["child_seen"]["choices"][0] == {"value": "yes", "label": "Yes"}
    draft = complete_draft(audit, "requires_improvement")
    half = {"version": 1, "answers": dict(list(draft.answers.items())[:5])}
    response = _put(client, url, half)
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2 and response.json()["answers"] == half["answers"]
    # submitting the half-done draft says what is missing, question by question
    submit_url = _url("api-fieldwork-submit", inspection, audit)
    response = _post(client, submit_url, {**half, "version": 2})
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert problems["overall_grade"]  # the core set's last question: the overall grade
    assert "rationale" in problems and len(problems) > 3
    assert Assessment.objects.get(audit=audit).version == 2  # nothing saved
    # the whole thing
    response = _post(client, submit_url, _body(draft, 2))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "submitted" and body["version"] == 3 and not body["editable"]
    assert body["answers"] == draft.answers and body["notes"] == draft.notes
    assert body["rationale"] == draft.rationale
    stored = Assessment.objects.get(audit=audit)
    assert stored.submitted and stored.overall_grade == "requires_improvement"
    # the case, with the examination the user may see
    case = client.get(_url("api-fieldwork-case", inspection, audit)).json()
    first = case["examinations"]["first"]
    assert first["rationale"] == draft.rationale and first["texts"] == draft.texts
    assert case["assessments"] == {"first": "submitted", "moderation": None}
    assert case["examiner"] == user.full_name and case["hidden"] == []
    # a submitted assessment is refused (403), and so is a second submission
    assert _put(client, url, _body(draft, 3)).status_code == 403
    assert _post(client, submit_url, _body(draft, 3)).status_code == 403
    # every request about the case was logged as through the API
    logged = AccessLogEntry.objects.filter(
        user=user, object_type="assessments.caseaudit", object_id=str(audit.pk), via="api"
    )
    assert logged.count() >= 6


def test_a_conflict_returns_both_versions_and_saves_nothing(client, inspection, people, allocated):
    audit = _mine(people, allocated)
    client.force_login(people["inspector"])
    url = _url("api-fieldwork-assessment", inspection, audit)
    assert client.get(url).json()["version"] == 1
    theirs = {"version": 1, "answers": {"child_seen": "no"}, "notes": {"child_seen": "Mother."}}
    assert _put(client, url, theirs).json()["version"] == 2
    mine = {"version": 1, "answers": {"child_seen": "yes"}, "rationale": "From tab two."}
    response = _put(client, url, mine)
    assert response.status_code == 409
    body = response.json()
    assert "saved by someone else" in body["detail"]
    assert body["yours"]["answers"] == {"child_seen": "yes"} and body["yours"]["version"] == 1
    assert body["yours"]["rationale"] == "From tab two."
    assert body["saved"]["version"] == 2 and body["saved"]["answers"] == {"child_seen": "no"}
    assert body["saved"]["notes"] == {"child_seen": "Mother."}
    stored = Assessment.objects.get(audit=audit)
    assert stored.answers == {"child_seen": "no"} and stored.version == 2
    # submitting from the stale version is refused the same way
    draft = complete_draft(audit)
    response = _post(client, _url("api-fieldwork-submit", inspection, audit), _body(draft, 1))
    assert response.status_code == 409 and response.json()["saved"]["version"] == 2
    # a deliberate re-save starts from theirs
    assert _put(client, url, {**mine, "version": 2}).status_code == 200


def test_bad_bodies_are_refused_with_their_problems(client, inspection, people, allocated):
    audit = _mine(people, allocated)
    client.force_login(people["inspector"])
    url = _url("api-fieldwork-assessment", inspection, audit)
    response = _put(client, url, {"answers": {"child_seen": "yes"}})
    assert response.status_code == 400 and "version" in response.json()
    response = _put(client, url, {"version": 1, "answers": "yes"})
    assert response.status_code == 400 and "answers" in response.json()
    response = _put(
        client,
        url,
        {
            "version": 1,
            "answers": {"child_seen": "maybe", "no_such_question": "yes"},
            "overall_grade": "excellent",
        },
    )
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert set(problems) == {"child_seen", "no_such_question", "overall_grade"}
    assert "'maybe' is not an answer" in problems["child_seen"][0]
    assert not Assessment.objects.filter(audit=audit).exists()  # an invalid draft: nothing
    # "overall_grade" in the body is the answer to the overall_grade question
    response = _put(client, url, {"version": 1, "overall_grade": "good"})
    assert response.status_code == 200
    assert response.json()["answers"] == {"overall_grade": "good"}
    assert response.json()["overall_grade"] == "good"


def test_only_the_examiner_opens_or_writes_the_assessment(client, inspection, people, allocated):
    audit = _mine(people, allocated)
    url = _url("api-fieldwork-assessment", inspection, audit)
    for key in ("lead", "moderator", "analyst"):
        client.force_login(people[key])
        response = client.get(url)
        assert response.status_code == 403 and "not allocated to you" in response.json()["detail"]
        assert _put(client, url, {"version": 1}).status_code == 403
    assert not Assessment.objects.filter(audit=audit).exists()


def test_blind_moderation_through_the_api(client, inspection, people, allocated, settings):
    settings.CPINSPECT_MODERATION_RULE = NO_MODERATION  # only inadequate grades are moderated
    inspector, moderator, lead = people["inspector"], people["moderator"], people["lead"]
    audit = _mine(people, allocated)
    first = complete_draft(audit, "inadequate")
    first.rationale = "FIRST-EXAMINER-RATIONALE"
    first.notes = {qid: f"FIRST-NOTE {qid}" for qid in first.notes}
    client.force_login(inspector)
    response = _post(client, _url("api-fieldwork-submit", inspection, audit), _body(first, 1))
    assert response.status_code == 200
    audit.refresh_from_db()
    assert audit.moderator == moderator and audit.moderation_reason == "inadequate"

    client.force_login(moderator)
    reads = [
        _url("api-fieldwork-cases", inspection),
        _url("api-fieldwork-worklist", inspection),
        _url("api-fieldwork-case", inspection, audit),
        _url("api-fieldwork-assessment", inspection, audit),
        _url("api-fieldwork-moderation", inspection),
        _url("api-fieldwork", inspection),
    ]
    for url in reads:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert "FIRST-EXAMINER-RATIONALE" not in content and "FIRST-NOTE" not in content, url
    row = next(
        r
        for r in client.get(_url("api-fieldwork-cases", inspection)).json()
        if r["case_id"] == audit.case_id
    )
    # the reason ("graded inadequate") would give the first grade away
    assert row["moderated"] and row["moderation_reason"] is None and row["final_grade"] is None
    assert row["your_task"] == "moderation" and row["assessments"]["first"] == "submitted"
    mine = client.get(_url("api-fieldwork-assessment", inspection, audit)).json()
    assert mine["kind"] == "moderation" and mine["answers"] == {} and mine["rationale"] == ""
    assert mine["id"] is None  # opening it stored nothing; a first save does
    mine = _put(
        client, _url("api-fieldwork-assessment", inspection, audit), {"version": mine["version"]}
    ).json()
    # the moderator's own draft is theirs to see; the first stays hidden until they submit
    case = client.get(_url("api-fieldwork-case", inspection, audit)).json()
    assert case["examinations"]["first"] is None and case["hidden"] == ["first"]
    assert case["examinations"]["moderation"]["examiner"] == moderator.full_name
    assert case["moderation_reason"] is None and case["final_grade"] is None
    # the lead sees everything meanwhile
    client.force_login(lead)
    case = client.get(_url("api-fieldwork-case", inspection, audit)).json()
    assert case["examinations"]["first"]["rationale"] == "FIRST-EXAMINER-RATIONALE"
    assert case["moderation_reason"] == "inadequate"

    client.force_login(moderator)
    second = complete_draft(audit, "requires_improvement")
    response = _post(
        client, _url("api-fieldwork-submit", inspection, audit), _body(second, mine["version"])
    )
    assert response.status_code == 200, response.json()
    case = client.get(_url("api-fieldwork-case", inspection, audit)).json()
    assert case["examinations"]["first"]["rationale"] == "FIRST-EXAMINER-RATIONALE"
    assert case["moderation_reason"] == "inadequate" and case["hidden"] == []

    # the disagreement and the agreement figures reach the lead, who resolves it
    client.force_login(lead)
    report = client.get(_url("api-fieldwork-moderation", inspection)).json()
    assert report["overall"]["cases"] == 1 and report["overall"]["agreed"] == 0
    assert report["by_inspector"][0]["inspector"] == inspector.full_name
    assert report["by_inspector"][0]["cases"] == 1
    assert sorted(report["by_pair"][0]["pair"]) == sorted(
        [inspector.full_name, moderator.full_name]
    )
    [disagreement] = report["disagreements"]
    assert disagreement["first"] == {"examiner": inspector.full_name, "grade": "inadequate"}
    assert disagreement["moderation"]["grade"] == "requires_improvement"
    assert not disagreement["resolved"]
    resolve = _url("api-fieldwork-resolve", inspection, audit)
    assert _post(client, resolve, {"grade": "good"}).status_code == 400  # no rationale
    client.force_login(moderator)
    assert (
        _post(client, resolve, {"grade": "good", "rationale": "Mine."}).status_code == 403
    )  # only the lead
    client.force_login(lead)
    response = _post(client, resolve, {"grade": "requires_improvement", "rationale": "Between."})
    assert response.status_code == 200 and response.json()["final_grade"] == "requires_improvement"
    [disagreement] = client.get(_url("api-fieldwork-moderation", inspection)).json()[
        "disagreements"
    ]
    assert disagreement["resolved"] and disagreement["resolution_rationale"] == "Between."
    assert (
        client.get(_url("api-fieldwork-case", inspection, audit)).json()["resolution"]["rationale"]
        == "Between."
    )


def test_sign_off_locks_and_unlock_needs_a_reason(client, inspection, people, allocated, settings):
    settings.CPINSPECT_MODERATION_RULE = NO_MODERATION
    audit = _mine(people, allocated)
    sign_off = _url("api-fieldwork-sign-off", inspection, audit)
    unlock = _url("api-fieldwork-unlock", inspection, audit)
    client.force_login(people["lead"])
    response = _post(client, sign_off)
    assert response.status_code == 409 and "no final grade" in response.json()["detail"]
    submit(audit, people["inspector"], "good")
    client.force_login(people["inspector"])
    assert _post(client, sign_off).status_code == 403
    client.force_login(people["lead"])
    response = _post(client, sign_off)
    assert response.status_code == 200 and response.json()["locked"]
    assert response.json()["final_grade"] == "good"
    assert _post(client, sign_off).status_code == 409  # already locked
    client.force_login(people["inspector"])
    mine = client.get(_url("api-fieldwork-assessment", inspection, audit)).json()
    assert not mine["editable"]
    client.force_login(people["lead"])
    assert _post(client, unlock, {"reason": ""}).status_code == 400
    response = _post(client, unlock, {"reason": "Grade queried."})
    assert response.status_code == 200 and not response.json()["locked"]
    assert _post(client, unlock, {"reason": "Again."}).status_code == 409  # not locked
    case = client.get(_url("api-fieldwork-case", inspection, audit)).json()
    assert case["unlocks"][0]["reason"] == "Grade queried."
    client.force_login(people["inspector"])
    assert "unlocks" not in client.get(_url("api-fieldwork-case", inspection, audit)).json()


def test_the_leads_other_actions(client, inspection, people, allocated, second_inspector):
    audit = _mine(people, allocated)
    client.force_login(people["inspector"])
    for name, body in (
        ("api-fieldwork-moderate", {}),
        ("api-fieldwork-reallocate", {"examiner": second_inspector.pk}),
    ):
        assert _post(client, _url(name, inspection, audit), body).status_code == 403, name
    assert _post(client, _url("api-fieldwork-allocate", inspection)).status_code == 403
    client.force_login(people["lead"])
    response = _post(client, _url("api-fieldwork-allocate", inspection))
    assert response.status_code == 200 and response.json()["allocated"] == 0
    response = _post(
        client,
        _url("api-fieldwork-reallocate", inspection, audit),
        {"examiner": second_inspector.pk},
    )
    assert response.status_code == 200 and response.json()["examiner"] == second_inspector.full_name
    response = _post(
        client,
        _url("api-fieldwork-reallocate", inspection, audit),
        {"examiner": people["analyst"].pk},
    )
    assert response.status_code == 409  # analysts do not examine
    response = _post(client, _url("api-fieldwork-moderate", inspection, audit))
    assert response.status_code == 200 and response.json()["moderation_reason"] == "lead"
    assert CaseAudit.objects.get(pk=audit.pk).moderator == people["moderator"]


def test_an_unusable_case_goes_to_its_reserve(client, inspection, people, allocated):
    audit = _mine(people, allocated)
    url = _url("api-fieldwork-unusable", inspection, audit)
    client.force_login(people["inspector"])
    assert _post(client, url, {"reason": " "}).status_code == 400
    response = _post(client, url, {"reason": "No file at the force."})
    assert response.status_code == 200
    replacement = CaseAudit.objects.get(case_id=response.json()["replaced_by"])
    assert replacement.examiner == people["inspector"]
    assert _post(client, url, {"reason": "Again."}).status_code == 409


def test_escalations_through_the_api(
    client, inspection, people, allocated, django_capture_on_commit_callbacks
):
    from django.core import mail

    audit = _mine(people, allocated)
    client.force_login(people["inspector"])
    url = _url("api-fieldwork-escalate", inspection, audit)
    assert _post(client, url, {"concern": "  "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, url, {"concern": "Bruising not followed up."})
    assert response.status_code == 201
    created = response.json()
    assert created["case_id"] == audit.case_id and created["status"] == "open"
    assert created["concern"] == "Bruising not followed up."
    assert len(mail.outbox) == 1 and "Bruising" not in mail.outbox[0].body
    client.force_login(people["analyst"])
    [listed] = client.get(_url("api-fieldwork-escalations", inspection)).json()
    assert listed["concern"] == "Bruising not followed up."
    assert listed["raised_by"] == people["inspector"].full_name
    acknowledge = _url("api-fieldwork-escalation-acknowledge", inspection, None, created["id"])
    assert _post(client, acknowledge, {"by_whom": ""}).status_code == 400
    response = _post(client, acknowledge, {"by_whom": "DS Jones, Essex child abuse team"})
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    assert response.json()["recorded_by"] == people["analyst"].full_name
    assert _post(client, acknowledge, {"by_whom": "Again"}).status_code == 409
    case = client.get(_url("api-fieldwork-case", inspection, audit)).json()
    assert case["escalations"][0]["status"] == "acknowledged"


def test_the_api_is_for_the_team_only(client, inspection, people, allocated):
    audit = _mine(people, allocated)
    reads = [
        _url("api-fieldwork", inspection),
        _url("api-fieldwork-cases", inspection),
        _url("api-fieldwork-worklist", inspection),
        _url("api-fieldwork-moderation", inspection),
        _url("api-fieldwork-escalations", inspection),
        _url("api-fieldwork-case", inspection, audit),
        _url("api-fieldwork-assessment", inspection, audit),
    ]
    writes = [
        _url("api-fieldwork-submit", inspection, audit),
        _url("api-fieldwork-escalate", inspection, audit),
        _url("api-fieldwork-sign-off", inspection, audit),
        _url("api-fieldwork-unusable", inspection, audit),
    ]
    for key in ("other_lead", "programme_manager", "liaison", "partner", "administrator"):
        client.force_login(people[key])
        for url in reads:
            response = client.get(url)
            assert response.status_code == 404, (key, url)
            assert str(audit.case_id) not in response.content.decode()
        for url in writes:
            assert _post(client, url, {"concern": "x", "reason": "x"}).status_code == 404
    assert not AccessLogEntry.objects.filter(object_type="assessments.caseaudit").exists()
    client.logout()
    for url in reads:
        assert client.get(url).status_code == 403
    client.force_login(people["analyst"])
    for url in reads[:-1]:
        assert client.get(url).status_code == 200, url


def test_no_raw_case_fields_in_any_answer(client, inspection, people, allocated):
    audit = _mine(people, allocated)
    case = audit.case
    client.force_login(people["inspector"])
    client.get(_url("api-fieldwork-assessment", inspection, audit))
    for url in (
        _url("api-fieldwork-cases", inspection),
        _url("api-fieldwork-worklist", inspection),
        _url("api-fieldwork-case", inspection, audit),
    ):
        content = client.get(url).content.decode()
        assert "raw_ref" not in content and "pseudonym" not in content, url
        assert case.pseudonym not in content and case.force_pseudonym not in content, url
        assert "frame_row" not in content, url
    body = client.get(_url("api-fieldwork-case", inspection, audit)).json()
    assert body["recorded_month"] == case.recorded_on.strftime("%Y-%m")


def test_a_case_is_found_only_under_its_own_inspection(
    client, inspection, joint_inspection, people, allocated
):
    audit = _mine(people, allocated)
    client.force_login(people["lead"])  # on both teams
    assert client.get(_url("api-fieldwork-case", inspection, audit)).status_code == 200
    assert client.get(_url("api-fieldwork-case", joint_inspection, audit)).status_code == 404
    missing = reverse("api-fieldwork-case", args=[inspection.pk, 999999])
    assert client.get(missing).status_code == 404


def test_the_schema_lists_the_endpoints(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    for path in ("/fieldwork/cases/", "/assessment/submit/", "/sign-off/", "/moderation/"):
        assert any(path in p for p in paths), path

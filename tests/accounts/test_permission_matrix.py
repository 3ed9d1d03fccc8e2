"""Every role against every page and API endpoint.

Each row names a request and the status each kind of visitor must get. 404 means "not found":
an inspection someone may not see is never admitted to exist.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from tests.assessments.conftest import complete_draft, sample, submit  # noqa: F401 (sample: a fixture)

pytestmark = pytest.mark.django_db

VISITORS = [
    "anonymous",
    "administrator",
    "programme_manager",
    "lead",
    "other_lead",
    "inspector",
    "moderator",
    "analyst",
    "partner",
    "other_partner",
    "liaison",
    "other_liaison",
]
STAFF = {
    "administrator",
    "programme_manager",
    "lead",
    "other_lead",
    "inspector",
    "moderator",
    "analyst",
}
SIGNED_IN = set(VISITORS) - {"anonymous"}


def expect(default, **overrides):
    table = {v: default for v in VISITORS}
    for visitor, status in overrides.items():
        table[visitor] = status
    return table


def only(allowed: set, ok=200, refused=404, anonymous=302):
    table = {v: (ok if v in allowed else refused) for v in VISITORS}
    table["anonymous"] = anonymous
    return table


# The Essex inspection's team; case-level data is theirs alone (404 for everyone else).
TEAM = {"lead", "inspector", "moderator", "analyst"}


def team(ok=200, api=False, **within):
    """The team gets ``ok`` (or, for one of them, what ``within`` says); anyone else 404;
    anonymous visitors are sent to sign in (pages) or refused (API, 403)."""
    table = only(TEAM, ok=ok, anonymous=403 if api else 302)
    table.update(within)
    return table


# The people pages: administrators only (403 for everyone else, who knows the page exists).
ADMINISTRATORS_ONLY = {**expect(403), "anonymous": 302, "administrator": 200}
# The matrix posts no valid form: the administrator is told what is missing.
ADMINISTRATORS_ONLY_POST = {**ADMINISTRATORS_ONLY, "administrator": 400}


def _person(f):
    return f["people"]["inspector"].pk


# (name, method, url builder(fixtures) -> str, expected status by visitor)
MATRIX = [
    ("people", "get", lambda f: reverse("people-list"), ADMINISTRATORS_ONLY),
    ("invite a person", "get", lambda f: reverse("person-invite"), ADMINISTRATORS_ONLY),
    (
        "invite a person (POST)",
        "post",
        lambda f: reverse("person-invite"),
        ADMINISTRATORS_ONLY_POST,
    ),
    ("a person", "get", lambda f: reverse("person-detail", args=[_person(f)]), ADMINISTRATORS_ONLY),
    (
        "change role",
        "get",
        lambda f: reverse("person-role", args=[_person(f)]),
        ADMINISTRATORS_ONLY,
    ),
    (
        "change role (POST)",
        "post",
        lambda f: reverse("person-role", args=[_person(f)]),
        ADMINISTRATORS_ONLY_POST,
    ),
    (
        "access expiry",
        "get",
        lambda f: reverse("person-expiry", args=[_person(f)]),
        ADMINISTRATORS_ONLY,
    ),
    (
        "deactivate",
        "get",
        lambda f: reverse("person-deactivate", args=[_person(f)]),
        ADMINISTRATORS_ONLY,
    ),
    (
        "deactivate (POST)",
        "post",
        lambda f: reverse("person-deactivate", args=[_person(f)]),
        ADMINISTRATORS_ONLY_POST,
    ),  # no reason given
    (
        "reactivate (POST)",
        "post",
        lambda f: reverse("person-reactivate", args=[_person(f)]),
        {**ADMINISTRATORS_ONLY, "administrator": 302},
    ),
    ("home", "get", lambda f: "/", expect(200)),
    (
        "sign-in page",
        "get",
        lambda f: reverse("sign-in"),
        {**expect(302), "anonymous": 200},
    ),  # signed-in visitors are sent on to their dashboard
    ("forces list", "get", lambda f: reverse("force-list"), expect(200)),
    ("force page", "get", lambda f: reverse("force-detail", args=["E23000028"]), expect(200)),
    ("healthz", "get", lambda f: "/healthz", expect(200)),
    ("accessibility statement", "get", lambda f: reverse("accessibility"), expect(200)),
    ("privacy notice", "get", lambda f: reverse("privacy"), expect(200)),
    ("cookies page", "get", lambda f: reverse("cookies"), expect(200)),
    ("api documentation", "get", lambda f: reverse("api-documentation"), expect(200)),
    ("dashboard", "get", lambda f: reverse("dashboard"), only(SIGNED_IN)),
    (
        "create a programme",
        "get",
        lambda f: reverse("programme-new"),
        {**expect(403), "anonymous": 302, "programme_manager": 200},
    ),
    (
        "create a programme (POST)",
        "post",
        lambda f: reverse("programme-new"),
        {**expect(403), "anonymous": 302, "programme_manager": 400},
    ),  # the matrix's post is no programme: the planner is told what is missing
    (
        "essex inspection",
        "get",
        lambda f: reverse("inspection-detail", args=[f["inspection"].pk]),
        only(STAFF | {"liaison"}),
    ),
    (
        "essex planned review",
        "get",
        lambda f: reverse("inspection-detail", args=[f["planned_inspection"].pk]),
        only(STAFF),
    ),  # the force has not been notified: its liaison officer must not see it
    (
        "joint inspection",
        "get",
        lambda f: reverse("inspection-detail", args=[f["joint_inspection"].pk]),
        only(STAFF | {"partner", "liaison"}),
    ),
    (
        "kent inspection",
        "get",
        lambda f: reverse("inspection-detail", args=[f["kent_inspection"].pk]),
        only(STAFF | {"other_liaison"}),
    ),
    (
        "start moderation (POST)",
        "post",
        lambda f: reverse("inspection-transition", args=[f["inspection"].pk]),
        {
            **only(STAFF | {"liaison"}, refused=404),
            "lead": 400,
            **{v: 409 for v in STAFF - {"lead"} | {"liaison"}},
        },
    ),  # the lead's move needs a reason: nothing of the fieldwork is done (ADR 0021)
    (
        "start moderation: the confirmation page",
        "get",
        lambda f: (
            reverse("inspection-transition", args=[f["inspection"].pk]) + "?target=moderation"
        ),
        {
            **only(STAFF | {"liaison"}, refused=404),
            **{v: 409 for v in STAFF - {"lead"} | {"liaison"}},
        },
    ),  # only the move's actors see what is outstanding; others are told who may move
    (
        "api: essex inspection's moves",
        "get",
        lambda f: f"/api/inspections/{f['inspection'].pk}/moves/",
        only(STAFF | {"liaison"}, anonymous=403),
    ),  # the moves each may make (none for most): a list, empty or not
    (
        "api: start moderation (POST)",
        "post",
        lambda f: f"/api/inspections/{f['inspection'].pk}/moves/",
        {
            **only(STAFF | {"liaison"}, ok=403, anonymous=403),
            "lead": 409,
        },
    ),  # the lead is asked for the reason (409, with what is outstanding); others 403
    (
        "audit: changes",
        "get",
        lambda f: reverse("audit-changes"),
        {**only({"administrator"}, refused=403)},
    ),
    (
        "audit: access log",
        "get",
        lambda f: reverse("audit-access"),
        {**only({"administrator"}, refused=403)},
    ),
    ("django admin", "get", lambda f: "/admin/", {**expect(302), "administrator": 200}),
    (
        "django admin: users",
        "get",
        lambda f: "/admin/accounts/user/",
        {**expect(302), "administrator": 200},
    ),
    ("api: forces", "get", lambda f: "/api/forces/", expect(200)),
    ("api: force", "get", lambda f: "/api/forces/E23000028/", expect(200)),
    ("api: councils", "get", lambda f: "/api/councils/?force=E23000028", expect(200)),
    ("api: schema", "get", lambda f: "/api/schema/", expect(200)),
    ("api: inspections", "get", lambda f: "/api/inspections/", {**expect(200), "anonymous": 403}),
    (
        "api: essex inspection",
        "get",
        lambda f: f"/api/inspections/{f['inspection'].pk}/",
        only(STAFF | {"liaison"}, anonymous=403),
    ),
    (
        "api: joint inspection",
        "get",
        lambda f: f"/api/inspections/{f['joint_inspection'].pk}/",
        only(STAFF | {"partner", "liaison"}, anonymous=403),
    ),
    (
        "api: kent inspection",
        "get",
        lambda f: f"/api/inspections/{f['kent_inspection'].pk}/",
        only(STAFF | {"other_liaison"}, anonymous=403),
    ),
    (
        "api: planned review",
        "get",
        lambda f: f"/api/inspections/{f['planned_inspection'].pk}/",
        only(STAFF, anonymous=403),
    ),
    (
        "api: write refused",
        "post",
        lambda f: "/api/inspections/",
        {**expect(405), "anonymous": 403},
    ),
    # findings (tests/findings/test_permissions.py has every findings page and endpoint)
    (
        "findings: essex inspection",
        "get",
        lambda f: reverse("findings-inspection", args=[f["inspection"].pk]),
        only(STAFF),
    ),  # not published: its liaison officer does not see the findings yet
    (
        "findings: joint inspection",
        "get",
        lambda f: reverse("findings-inspection", args=[f["joint_inspection"].pk]),
        only(STAFF | {"partner"}),
    ),
    ("recommendations board", "get", lambda f: reverse("recommendations-board"), only(SIGNED_IN)),
    (
        "api: essex findings",
        "get",
        lambda f: f"/api/inspections/{f['inspection'].pk}/findings/",
        only(STAFF, anonymous=403),
    ),
    (
        "api: recommendations board",
        "get",
        lambda f: "/api/recommendations/",
        {**expect(200), "anonymous": 403},
    ),
]


def _case(key, path="assessments-case"):
    return lambda f: reverse(path, args=[f["inspection"].pk, f[key].case_id])


def _page(name, *args):
    return lambda f: reverse(name, args=[f["inspection"].pk, *args])


def _action(key, action):
    return lambda f: reverse(f"assessments-{action}", args=[f["inspection"].pk, f[key].case_id])


def _api(path, key=None):
    def url(f):
        case = f"cases/{f[key].case_id}/" if key else ""
        return f"/api/inspections/{f['inspection'].pk}/fieldwork/{case}{path}"

    return url


def _draft_body(f):
    draft = f["complete_draft"]
    return {
        "version": 1,
        "answers": draft.answers,
        "notes": draft.notes,
        "texts": draft.texts,
        "overall_grade": draft.overall_grade,
        "rationale": draft.rationale,
    }


# The case-file audit, pages and API, in the world of ``fieldwork_world``: case "draft" (the
# inspector's draft), "blind" (submitted by the inspector, now with the moderator, who has not
# begun), "final" (graded, not signed off), "locked" (signed off), "fresh" (not begun), and an
# open escalation. (name, method, url builder, expected status by visitor, body builder)
FIELDWORK_MATRIX = [
    ("fieldwork: home", "get", _page("assessments-home"), team(), None),
    (
        "fieldwork: allocate (POST)",
        "post",
        _page("assessments-allocate"),
        team(403, lead=302),
        None,
    ),
    ("fieldwork: worklist", "get", _page("assessments-worklist"), team(), None),
    ("fieldwork: moderation", "get", _page("assessments-moderation"), team(), None),
    ("fieldwork: escalations", "get", _page("assessments-escalations"), team(), None),
    (
        "fieldwork: acknowledge escalation (POST)",
        "post",
        lambda f: reverse(
            "assessments-escalation-acknowledge", args=[f["inspection"].pk, f["escalation"].pk]
        ),
        team(302),
        lambda f: {"by_whom": "DS Jones, Essex child abuse team"},
    ),
    ("fieldwork: case", "get", _case("blind"), team(), None),
    (
        "fieldwork: assessment form",
        "get",
        lambda f: _case("draft", "assessments-assess")(f) + "?all=1",  # the one-page form
        team(302, inspector=200),  # the rest of the team is sent back to the case
        None,
    ),
    (
        "fieldwork: blind moderation form",
        "get",
        lambda f: _case("blind", "assessments-assess")(f) + "?all=1",
        team(302, inspector=200, moderator=200),
        None,
    ),
    # the assessment in sections (ADR 0031): the same people as the one-page form
    (
        "fieldwork: assessment sections",
        "get",
        _case("draft", "assessments-tasks"),
        team(302, inspector=200),
        None,
    ),
    (
        "fieldwork: blind moderation sections",
        "get",
        _case("blind", "assessments-tasks"),
        team(302, inspector=200, moderator=200),
        None,
    ),
    (
        "fieldwork: assessment section",
        "get",
        lambda f: reverse(
            "assessments-section",
            args=[f["inspection"].pk, f["draft"].case_id, "initial_response"],
        ),
        team(302, inspector=200),
        None,
    ),
    (
        "fieldwork: save a section (POST)",
        "post",
        lambda f: reverse(
            "assessments-section",
            args=[f["inspection"].pk, f["draft"].case_id, "initial_response"],
        ),
        team(302),  # saved for the inspector; refused with a message for the rest
        lambda f: {"version": 1, "action": "later", "answer-child_seen": "yes"},
    ),
    (
        "fieldwork: check answers",
        "get",
        _case("draft", "assessments-check"),
        team(302, inspector=200),
        None,
    ),
    (
        "fieldwork: submit from check answers (POST)",
        "post",
        _case("draft", "assessments-check"),
        team(302, inspector=400),  # the inspector's draft is incomplete: errors on the page
        lambda f: {"version": 1},
    ),
    (
        "fieldwork: save a draft (POST)",
        "post",
        _case("draft", "assessments-assess"),
        team(302),  # saved for the inspector; refused with a message for the rest
        lambda f: {"version": 1, "action": "save", "answer-child_seen": "yes"},
    ),
    (
        "fieldwork: escalate (POST)",
        "post",
        _case("draft", "assessments-escalate"),
        team(302),
        lambda f: {"concern": "Bruising not followed up."},
    ),
    (
        "fieldwork: sign off (POST)",
        "post",
        _action("final", "sign-off"),
        team(403, lead=302),
        None,
    ),
    (
        "fieldwork: unlock (POST)",
        "post",
        _action("locked", "unlock"),
        team(403, lead=302),
        lambda f: {"reason": "Grade queried."},
    ),
    (
        "fieldwork: resolve (POST)",
        "post",
        _action("blind", "resolve"),
        # the moderation is not submitted: the lead is refused on the case page (409)
        team(403, lead=409),
        lambda f: {"grade": "good", "rationale": "On balance."},
    ),
    (
        "fieldwork: moderate (POST)",
        "post",
        _action("final", "moderate"),
        team(403, lead=302),
        None,
    ),
    (
        "fieldwork: reallocate (POST)",
        "post",
        _action("fresh", "reallocate"),
        team(403, lead=302),
        lambda f: {"examiner": f["people"]["moderator"].pk},
    ),
    (
        "fieldwork: unusable (POST)",
        "post",
        _action("fresh", "unusable"),
        team(302),
        lambda f: {"reason": "No file at the force."},
    ),
    (
        "fieldwork: bulk sign-off confirmation",
        "get",
        _page("assessments-bulk-sign-off"),
        team(403, lead=200),
        None,
    ),
    (
        "fieldwork: bulk sign-off (POST)",
        "post",
        _page("assessments-bulk-sign-off"),
        team(403, lead=302),
        lambda f: {"case": [f["final"].case_id]},
    ),
    ("api: fieldwork", "get", _api(""), team(api=True), None),
    ("api: fieldwork cases", "get", _api("cases/"), team(api=True), None),
    ("api: fieldwork worklist", "get", _api("worklist/"), team(api=True), None),
    (
        "api: fieldwork allocate (POST)",
        "post",
        _api("allocate/"),
        team(403, api=True, lead=200),
        None,
    ),
    ("api: fieldwork moderation", "get", _api("moderation/"), team(api=True), None),
    ("api: fieldwork escalations", "get", _api("escalations/"), team(api=True), None),
    (
        "api: acknowledge escalation (POST)",
        "post",
        lambda f: _api(f"escalations/{f['escalation'].pk}/acknowledge/")(f),
        team(api=True),
        lambda f: {"by_whom": "DS Jones, Essex child abuse team"},
    ),
    ("api: fieldwork case", "get", _api("", "blind"), team(api=True), None),
    (
        "api: own assessment",
        "get",
        _api("assessment/", "draft"),
        team(403, api=True, inspector=200),
        None,
    ),
    (
        "api: own assessment, blind moderation",
        "get",
        _api("assessment/", "blind"),
        team(403, api=True, inspector=200, moderator=200),
        None,
    ),
    (
        "api: save a draft (PUT)",
        "put",
        _api("assessment/", "draft"),
        team(403, api=True, inspector=200),
        lambda f: {"version": 1, "answers": {"child_seen": "yes"}},
    ),
    (
        "api: submit (POST)",
        "post",
        _api("assessment/submit/", "draft"),
        team(403, api=True, inspector=200),
        _draft_body,
    ),
    (
        "api: escalate (POST)",
        "post",
        _api("escalations/", "draft"),
        team(201, api=True),
        lambda f: {"concern": "Bruising not followed up."},
    ),
    (
        "api: sign off (POST)",
        "post",
        _api("sign-off/", "final"),
        team(403, api=True, lead=200),
        None,
    ),
    (
        "api: unlock (POST)",
        "post",
        _api("unlock/", "locked"),
        team(403, api=True, lead=200),
        lambda f: {"reason": "Grade queried."},
    ),
    (
        "api: resolve (POST)",
        "post",
        _api("resolve/", "blind"),
        team(403, api=True, lead=409),  # the lead may, once both examinations are in
        lambda f: {"grade": "good", "rationale": "On balance."},
    ),
    (
        "api: moderate (POST)",
        "post",
        _api("moderate/", "final"),
        team(403, api=True, lead=200),
        None,
    ),
    (
        "api: reallocate (POST)",
        "post",
        _api("reallocate/", "fresh"),
        team(403, api=True, lead=200),
        lambda f: {"examiner": f["people"]["moderator"].pk},
    ),
    (
        "api: unusable (POST)",
        "post",
        _api("unusable/", "fresh"),
        team(api=True),
        lambda f: {"reason": "No file at the force."},
    ),
]


# --- reports (cpinspect.reports) -------------------------------------------------------------
# A report row made directly (the access rules need its status and inspection, not a render).


def _report(f, status):
    from django.utils import timezone

    from cpinspect.reports.models import Report
    from cpinspect.reports.rendering import canonical_json, sha256

    now = timezone.now()
    published = status in ("published", "superseded")
    data = {
        "kind": "force",
        "subject": {"force_code": "E23000028", "force_name": "Essex"},
        "results": {"rows": [], "overall": None},
    }
    html, pdf = "<!-- report:start --><p>Report</p><!-- report:end -->", b"%PDF-1.7"
    # its hashes match, or serving it would be refused as tampered with (integrity.py)
    return Report.objects.create(
        kind="force",
        inspection=f["inspection"],
        status=status,
        title="Essex report",
        data=data,
        html=html,
        pdf=pdf,
        content_sha256=sha256(html.encode()),
        pdf_sha256=sha256(pdf),
        data_sha256=sha256(canonical_json(data)),
        built_at=now,
        built_by=f["people"]["lead"],
        published_at=now if published else None,
        published_by=f["people"]["programme_manager"] if published else None,
    )


def _comment(f):
    from cpinspect.reports.models import ReportComment

    report = _report(f, "factual_accuracy")
    return ReportComment.objects.create(
        report=report, author=f["people"]["liaison"], section="summary", text="A date is wrong."
    )


def _report_url(name, status):
    return lambda f: reverse(name, args=[_report(f, status).pk])


INSPECTORATE = STAFF  # every inspectorate role in the matrix
MATRIX += [
    ("reports list", "get", lambda f: reverse("report-list"), expect(200)),
    ("open data", "get", lambda f: reverse("open-data"), expect(200)),
    ("open data: results csv", "get", lambda f: reverse("open-data-results-csv"), expect(200)),
    ("open data: results json", "get", lambda f: reverse("open-data-results-json"), expect(200)),
    (
        "open data: results dictionary",
        "get",
        lambda f: reverse("open-data-results-dictionary"),
        expect(200),
    ),
    ("api: reports", "get", lambda f: "/api/reports/", expect(200)),
    (
        "draft report",
        "get",
        _report_url("report-detail", "draft"),
        only(INSPECTORATE, anonymous=404),
    ),
    (
        "draft report pdf",
        "get",
        _report_url("report-pdf", "draft"),
        only(INSPECTORATE, anonymous=404),
    ),
    (
        "report in factual accuracy check",
        "get",
        _report_url("report-detail", "factual_accuracy"),
        only(INSPECTORATE | {"liaison"}, anonymous=404),
    ),  # the subject force's liaison officer only: another force's gets 404
    (
        "report pdf in factual accuracy check",
        "get",
        _report_url("report-pdf", "factual_accuracy"),
        only(INSPECTORATE | {"liaison"}, anonymous=404),
    ),
    ("published report", "get", _report_url("report-detail", "published"), expect(200)),
    ("published report pdf", "get", _report_url("report-pdf", "published"), expect(200)),
    (
        "api: published report",
        "get",
        lambda f: f"/api/reports/{_report(f, 'published').pk}/",
        expect(200),
    ),
    (
        "api: draft report",
        "get",
        lambda f: f"/api/reports/{_report(f, 'draft').pk}/",
        expect(404),
    ),
    (
        "comment on a report (POST)",
        "post",
        _report_url("report-comment", "factual_accuracy"),
        {**only(INSPECTORATE | {"liaison"}, ok=403), "liaison": 400},
    ),  # the form is invalid here: the liaison officer gets the report page again with the
    # problems on the form and what they typed kept (it used to redirect, losing the text)
    (
        "answer a factual accuracy comment (POST)",
        "post",
        lambda f: reverse(
            "report-comment-respond",
            args=[(c := _comment(f)).report_id, c.pk],
        ),
        {**only(INSPECTORATE | {"liaison"}, ok=403), "lead": 302},
    ),  # the lead only; the form is invalid here, so the lead is sent back to the report
    (
        "publish a report (POST)",
        "post",
        _report_url("report-publish", "factual_accuracy"),
        {**only(INSPECTORATE | {"liaison"}, ok=403), "programme_manager": 302},
    ),  # allowed, then refused with a message: the inspection is still in fieldwork
    (
        "correct a report",
        "get",
        _report_url("report-correct", "published"),
        {**only(SIGNED_IN, ok=403), "programme_manager": 200},
    ),
    (
        "build a report (POST)",
        "post",
        lambda f: reverse("report-build", args=[f["inspection"].pk]),
        {
            **only(INSPECTORATE | {"liaison"}, ok=403),
            "lead": 302,
            "analyst": 302,
        },
    ),  # allowed for the lead and the analyst, then refused with a message (fieldwork)
    (
        "thematic report builder",
        "get",
        lambda f: reverse("report-thematic-new"),
        only(INSPECTORATE, refused=403),
    ),
]


@pytest.fixture
def world(inspection, planned_inspection, joint_inspection, kent_inspection, people):
    return {
        "inspection": inspection,
        "planned_inspection": planned_inspection,
        "joint_inspection": joint_inspection,
        "kent_inspection": kent_inspection,
        "people": people,
    }


def test_matrix_names_every_visitor():
    for name, _, _, expected, *_ in MATRIX + FIELDWORK_MATRIX:
        assert set(expected) == set(VISITORS), name


def test_fieldwork_matrix_has_every_audit_page_and_endpoint():
    from django.urls import get_resolver

    from cpinspect.assessments import api_urls, urls

    names = {p.name for p in urls.urlpatterns} | {p.name for p in api_urls.urlpatterns}
    resolver = get_resolver()
    covered = set()
    for row in FIELDWORK_MATRIX:
        path = row[2](FAKE_FIELDWORK).split("?")[0]
        covered.add(resolver.resolve(path).url_name)
    assert names - covered == set()


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("row", MATRIX, ids=[row[0] for row in MATRIX])
def test_permission_matrix(row, visitor, world, client):
    name, method, url, expected = row
    if visitor != "anonymous":
        client.force_login(world["people"][visitor])
    # a status move names the inspection's version on the page it was made from (ADR 0020)
    data = {"target": "moderation", "version": world["inspection"].version}
    data = data if method == "post" else None
    response = getattr(client, method)(url(world), data)
    assert response.status_code == expected[visitor], (
        f"{visitor} on {name}: got {response.status_code}, expected {expected[visitor]}"
    )


@pytest.fixture
def fieldwork_world(world, request, monkeypatch, tmp_path, settings):
    """The Essex inspection in fieldwork: a drawn sample, every case allocated to its one
    inspector, and cases in each state the rows need."""
    from cpinspect.assessments import services

    monkeypatch.setenv("CPINSPECT_CASEFILES_DIR", str(tmp_path / "casefiles"))
    monkeypatch.setenv("CPINSPECT_PSEUDONYM_KEY", "test-master-secret-not-for-production")
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}
    request.getfixturevalue("sample")
    people = world["people"]
    lead, inspector = people["lead"], people["inspector"]
    draft, blind, final, locked, fresh = services.cases_allocate(
        inspection=world["inspection"], user=lead
    )[:5]
    for audit in (blind, final, locked):
        submit(audit, inspector)
        audit.refresh_from_db()
    services.moderation_choose(audit=blind, user=lead)  # to the team's moderator, blind
    services.case_sign_off(audit=locked, user=lead)
    escalation = services.escalation_raise(audit=draft, user=inspector, concern="At risk.")
    return {
        **world,
        "draft": draft,
        "blind": blind,
        "final": final,
        "locked": locked,
        "fresh": fresh,
        "escalation": escalation,
        "complete_draft": complete_draft(draft),
    }


class _Fake:
    pk = case_id = 1


FAKE_FIELDWORK = {
    key: _Fake()
    for key in ("inspection", "draft", "blind", "final", "locked", "fresh", "escalation")
}


def test_fieldwork_permission_matrix(fieldwork_world, client):
    """Every row for every visitor. Each request is undone afterwards, so every request meets
    the same world, built once (building it per request would take many minutes)."""
    wrong = []
    for visitor in VISITORS:
        if visitor == "anonymous":
            client.logout()
        else:
            client.force_login(fieldwork_world["people"][visitor])
        for name, method, url, expected, body in FIELDWORK_MATRIX:
            path = url(fieldwork_world)
            data = body(fieldwork_world) if body else {}
            with transaction.atomic():
                if path.startswith("/api/"):
                    response = getattr(client, method)(path, data, content_type="application/json")
                else:
                    response = getattr(client, method)(path, data)
                transaction.set_rollback(True)
            if response.status_code != expected[visitor]:
                wrong.append(
                    f"{visitor} on {name}: got {response.status_code}, expected {expected[visitor]}"
                )
    assert not wrong, "\n".join(wrong)


def test_api_inspection_lists_are_scoped(world, client):
    people = world["people"]
    expected = {
        "lead": {
            world[k].pk
            for k in ("inspection", "planned_inspection", "joint_inspection", "kent_inspection")
        },
        "partner": {world["joint_inspection"].pk},
        "other_partner": set(),
        "liaison": {world["inspection"].pk, world["joint_inspection"].pk},
        "other_liaison": {world["kent_inspection"].pk},
    }
    for who, ids in expected.items():
        client.force_login(people[who])
        body = client.get("/api/inspections/").json()
        assert {row["id"] for row in body["results"]} == ids, who
        assert body["count"] == len(ids)


def test_force_liaison_never_sees_the_team(world, client):
    client.force_login(world["people"]["liaison"])
    page = client.get(reverse("inspection-detail", args=[world["inspection"].pk])).content
    assert b"Team" not in page
    assert world["people"]["inspector"].full_name.encode() not in page
    client.force_login(world["people"]["analyst"])
    page = client.get(reverse("inspection-detail", args=[world["inspection"].pk])).content
    assert world["people"]["inspector"].full_name.encode() in page


def test_public_force_page_shows_only_published_inspections(world, client):
    from cpinspect.programmes.models import Inspection, Status

    page = client.get(reverse("force-detail", args=["E23000028"])).content.decode()
    assert "No published inspections of this force." in page
    Inspection.objects.filter(pk=world["inspection"].pk).update(status=Status.PUBLISHED)
    page = client.get(reverse("force-detail", args=["E23000028"])).content.decode()
    assert "Child protection inspection" in page
    assert "Post-inspection review" not in page  # still planned: not public


def test_force_liaison_sees_the_timeline_without_people_or_notes(world, client):
    from cpinspect.programmes import services

    services.inspection_transition(
        world["people"]["lead"],
        inspection=world["inspection"],
        target="moderation",
        note="Working note",
        reason="A working reason",
    )
    client.force_login(world["people"]["liaison"])
    page = client.get(reverse("inspection-detail", args=[world["inspection"].pk])).content
    assert b"Fieldwork to Moderation" in page
    assert world["people"]["lead"].full_name.encode() not in page
    assert b"Working note" not in page
    assert b"A working reason" not in page and b"Moved on with work outstanding" not in page


def test_signing_in_never_hides_published_inspections(world, client):
    from cpinspect.programmes.models import Inspection, Status

    Inspection.objects.filter(pk__in=[world["inspection"].pk, world["joint_inspection"].pk]).update(
        status=Status.PUBLISHED
    )
    anonymous = [
        row["inspection"]
        for row in client.get(reverse("force-detail", args=["E23000028"])).context["rows"]
    ]
    assert {i.pk for i in anonymous} == {world["inspection"].pk, world["joint_inspection"].pk}
    for who in ("other_liaison", "other_partner", "lead"):
        client.force_login(world["people"][who])
        seen = {
            row["inspection"].pk
            for row in client.get(reverse("force-detail", args=["E23000028"])).context["rows"]
        }
        assert {world["inspection"].pk, world["joint_inspection"].pk} <= seen, who
    assert world["planned_inspection"].pk in seen  # the lead also sees the planned review

"""A write to the case-file audit racing the move that closes it (ADR 0021), with two real
connections in two threads and committed transactions: the move waits for a submission in
progress and counts it, and a submission that starts while the move is being made waits for it
and is refused. Either way nothing lands in a closed audit.

These tests commit, so they cannot run inside the suite's per-test transaction: they build
their own small world and empty every table (as the owner role) when they end."""

import datetime as dt
import hashlib
import threading

import pytest
from django.db import connections, transaction

from cpinspect.accounts.models import Role
from cpinspect.assessments import services
from cpinspect.assessments.models import Assessment, CaseAudit
from cpinspect.casefiles import pseudonymise
from cpinspect.casefiles.models import Extract, Sample, SampledCase
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Inspection, InspectionType, Programme, Status, TeamMember
from cpinspect.registry.models import Force
from tests.assessments.conftest import complete_draft
from tests.fixtures import make_user

# Tables the migrations fill, which the rest of the suite relies on (content type ids are
# cached in the process): left alone by the clean-up.
KEEP = {"django_content_type", "auth_permission", "django_migrations"}
WAIT = 1.0  # seconds a blocked thread is given to show that it is blocked


@pytest.fixture
def committed(django_db_setup, django_db_blocker, settings):
    settings.CPINSPECT_MODERATION_RULE = {"first_per_inspector": 0, "random_share": 0.0}
    with django_db_blocker.unblock():
        try:
            yield _world()
        finally:
            connections.close_all()
            owner = connections["owner"]
            tables = [
                t
                for t in owner.introspection.django_table_names(only_existing=True)
                if t not in KEEP
            ]
            with owner.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE " + ", ".join(owner.ops.quote_name(t) for t in tables) + " CASCADE"
                )
            owner.close()


def _world():
    """Essex in moderation: four sampled cases, each examined in draft by its inspector."""
    essex = Force.objects.create(code="E23000028", name="Essex", country="england")
    lead = make_user("racelead", Role.LEAD_INSPECTOR)
    inspector = make_user("raceinspector", Role.INSPECTOR)
    programme = Programme.objects.create(
        name="2026/27", starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2027, 3, 31)
    )
    inspection = Inspection.objects.create(
        programme=programme,
        kind=InspectionType.CHILD_PROTECTION,
        force=essex,
        fieldwork_starts_on=dt.date(2026, 10, 5),
        fieldwork_ends_on=dt.date(2026, 10, 16),
        status=Status.MODERATION,
    )
    TeamMember.objects.create(inspection=inspection, user=lead, role="lead")
    TeamMember.objects.create(inspection=inspection, user=inspector, role="inspector")
    extract = Extract.objects.create(
        inspection=inspection,
        profile="canonical",
        imported_by=lead,
        status="imported",
        rows_read=40,
        rows_accepted=40,
        frame_sha256=hashlib.sha256(b"frame").hexdigest(),
    )
    sample = Sample.objects.create(
        inspection=inspection,
        extract=extract,
        drawn_by=lead,
        seed=1,
        frame_sha256=extract.frame_sha256,
        allocation_method="equal",
        design={"size": 4},
        allocation={"domestic_abuse": 4},
        reserves={},
        population={"domestic_abuse": 40},
        total_size=4,
    )
    key = pseudonymise.encryption_key(inspection.pk)
    for n in range(4):
        pseudonym = f"{n:032x}"
        case = SampledCase.objects.create(
            sample=sample,
            pseudonym=pseudonym,
            force_pseudonym=f"{n + 100:032x}",
            stratum="domestic_abuse",
            order=n + 1,
            status="sampled",
            recorded_on=dt.date(2026, 5, 1),
            child_age=9,
            frame_row=n,
            raw_ref_encrypted=pseudonymise.encrypt(
                f"RACE/{n}".encode(), key, f"cpinspect/case/{inspection.pk}/{pseudonym}".encode()
            ),
        )
        audit = CaseAudit.objects.create(inspection=inspection, case=case, examiner=inspector)
        Assessment.objects.create(  # an opened, saved draft (opening alone stores nothing)
            audit=audit,
            kind="first",
            examiner=inspector,
            updated_by=inspector,
            writing={"notes": {}, "text": {}, "rationale": ""},
        )
    return {"inspection": inspection, "lead": lead, "inspector": inspector}


def _audits(world):
    return list(
        CaseAudit.objects.filter(inspection=world["inspection"])
        .select_related("case", "examiner", "inspection")
        .order_by("pk")
    )


def _run(target, *args):
    """Run ``target`` in a thread with its own connection; returns (thread, outcome)."""
    outcome = {}

    def body():
        try:
            outcome["value"] = target(*args)
        except Exception as error:  # reported to the test, which asserts on it
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread, outcome


def test_the_closing_move_waits_for_a_submission_in_progress_and_counts_it(committed):
    world, audit = committed, _audits(committed)[0]
    draft = complete_draft(audit, "good")
    holding, release = threading.Event(), threading.Event()

    def submit_and_hold():
        with transaction.atomic():
            mine = Assessment.objects.get(audit=audit, kind="first")
            mine.audit = audit
            services.assessment_save(
                assessment=mine,
                user=world["inspector"],
                draft=draft,
                expected_version=mine.version,
                submit=True,
            )
            holding.set()
            release.wait(10)  # the submission's transaction stays open

    def close_the_audit():
        return programme_services.inspection_transition(
            world["lead"],
            inspection=Inspection.objects.get(pk=world["inspection"].pk),
            target=Status.REPORTING,
            reason="The rest are examined next month.",
        )

    submitter, submitted = _run(submit_and_hold)
    assert holding.wait(10)
    mover, moved = _run(close_the_audit)
    mover.join(WAIT)
    assert mover.is_alive(), "the move did not wait for the submission in progress"
    release.set()
    submitter.join(10)
    mover.join(10)
    assert "error" not in submitted and "error" not in moved, (submitted, moved)
    change = moved["value"]
    first = next(item for item in change.outstanding if item["code"] == "first_examinations")
    assert first["detail"] == "3 of 4 sampled cases have no submitted examination."
    assert Assessment.objects.filter(audit=audit, status="submitted").count() == 1


def test_a_submission_during_the_closing_move_waits_and_is_refused(committed):
    world, audit = committed, _audits(committed)[1]
    draft = complete_draft(audit, "good")
    holding, release = threading.Event(), threading.Event()

    def close_and_hold():
        with transaction.atomic():
            change = programme_services.inspection_transition(
                world["lead"],
                inspection=Inspection.objects.get(pk=world["inspection"].pk),
                target=Status.REPORTING,
                reason="The rest are examined next month.",
            )
            holding.set()
            release.wait(10)  # the move's transaction stays open
            return change

    def submit():
        mine = Assessment.objects.get(audit=audit, kind="first")
        mine.audit = audit
        return services.assessment_save(
            assessment=mine,
            user=world["inspector"],
            draft=draft,
            expected_version=mine.version,
            submit=True,
        )

    mover, moved = _run(close_and_hold)
    assert holding.wait(10)
    submitter, submitted = _run(submit)
    submitter.join(WAIT)
    assert submitter.is_alive(), "the submission did not wait for the move in progress"
    release.set()
    mover.join(10)
    submitter.join(10)
    assert "error" not in moved, moved
    assert isinstance(submitted.get("error"), services.AuditClosed), submitted
    assert not Assessment.objects.filter(audit=audit, status="submitted").exists()
    assert Inspection.objects.get(pk=world["inspection"].pk).status == Status.REPORTING

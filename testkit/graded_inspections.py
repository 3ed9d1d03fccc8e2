"""Graded inspections made directly in the database (bulk inserts, not the audit's services),
for the benchmark: an extract, a sample, sampled cases with encrypted references, signed-off
case audits with first examinations (and some moderations) carrying encrypted writing.

Never used by the application itself; most tests build their cases through the services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from django.utils import timezone

from cpinspect.assessments.models import Assessment, CaseAudit, Kind, ModerationReason
from cpinspect.casefiles import pseudonymise
from cpinspect.casefiles.models import Extract, ExtractStatus, Sample, SampledCase
from cpinspect.casefiles.schema import CATEGORY_SLUGS
from cpinspect.programmes.models import Inspection, InspectionType, Status, TeamMember

GRADE_WEIGHTS = {"good": 0.45, "requires_improvement": 0.35, "inadequate": 0.20}
THEME_WEIGHTS = [0.24, 0.22, 0.14, 0.12, 0.10, 0.08, 0.10]


def graded_inspection(
    *, programme, force, lead, starts_on: dt.date, cases: int = 70, seed: int = 0
) -> Inspection:
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    inspection = Inspection.objects.create(
        programme=programme,
        kind=InspectionType.CHILD_PROTECTION,
        force=force,
        fieldwork_starts_on=starts_on,
        fieldwork_ends_on=starts_on + dt.timedelta(days=11),
        status=Status.MODERATION,  # reporting once its cases are in: a closed audit is read only
    )
    TeamMember.objects.create(inspection=inspection, user=lead, role="lead")
    frame_rows = cases * rng.randint(20, 60)
    population = {
        theme: max(cases // 7, round(frame_rows * w))
        for theme, w in zip(CATEGORY_SLUGS, THEME_WEIGHTS, strict=True)
    }
    allocation = dict.fromkeys(CATEGORY_SLUGS, 0)
    themes = rng.choices(CATEGORY_SLUGS, weights=THEME_WEIGHTS, k=cases)
    for theme in themes:
        allocation[theme] += 1
    extract = Extract.objects.create(
        inspection=inspection,
        profile="canonical",
        imported_by=lead,
        status=ExtractStatus.IMPORTED,
        rows_read=sum(population.values()),
        rows_accepted=sum(population.values()),
        frame_sha256=hashlib.sha256(f"frame {inspection.pk}".encode()).hexdigest(),
    )
    sample = Sample.objects.create(
        inspection=inspection,
        extract=extract,
        drawn_by=lead,
        seed=seed,
        frame_sha256=extract.frame_sha256,
        allocation_method="proportional",
        design={
            "size": cases,
            "method": "proportional",
            "minimum": 5,
            "reserve_share": 0.25,
            "exclude_previously_examined": True,
        },
        allocation=allocation,
        reserves=dict.fromkeys(CATEGORY_SLUGS, 2),
        population=population,
        excluded={"examined_in_earlier_inspection": rng.randint(0, 30)},
        total_size=cases,
    )
    key = pseudonymise.encryption_key(inspection.pk)
    order: dict[str, int] = {}
    sampled = []
    for n, theme in enumerate(themes):
        ref = f"SYN/{starts_on.year}/{seed:03d}{n:05d}"
        pseudonym = pseudonymise.pseudonym(ref, pseudonymise.inspection_key(inspection.pk))
        order[theme] = order.get(theme, 0) + 1
        sampled.append(
            SampledCase(
                sample=sample,
                pseudonym=pseudonym,
                force_pseudonym=pseudonymise.pseudonym(ref, pseudonymise.force_key(force.code)),
                stratum=theme,
                order=order[theme],
                status="sampled",
                recorded_on=starts_on - dt.timedelta(days=rng.randint(20, 360)),
                child_age=rng.randint(0, 17),
                frame_row=n,
                raw_ref_encrypted=pseudonymise.encrypt(
                    ref.encode(), key, f"cpinspect/case/{inspection.pk}/{pseudonym}".encode()
                ),
            )
        )
    sampled = SampledCase.objects.bulk_create(sampled)
    now = timezone.now()
    audits = []
    for n, case in enumerate(sampled):
        grade = rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]
        moderated = n % 8 == 0
        audits.append(
            CaseAudit(
                inspection=inspection,
                case=case,
                examiner=lead,
                moderator=lead if moderated else None,
                moderation_reason=ModerationReason.RANDOM if moderated else "",
                final_grade=grade,
                locked_at=now,
                locked_by=lead,
            )
        )
    audits = CaseAudit.objects.bulk_create(audits)
    assessments = []
    for n, audit in enumerate(audits):
        writing = {
            "notes": {"q1": f"Inspector's note {n}: the record shows the child was seen late."},
            "text": {},
            "rationale": f"Rationale {n}: {audit.final_grade}.",
        }
        assessments.append(
            Assessment(
                audit=audit,
                kind=Kind.FIRST,
                examiner=lead,
                status="submitted",
                overall_grade=audit.final_grade,
                writing=writing,
                updated_by=lead,
                submitted_at=now,
            )
        )
        if audit.moderation_reason:
            other = audit.final_grade if n % 3 else "requires_improvement"
            assessments.append(
                Assessment(
                    audit=audit,
                    kind=Kind.MODERATION,
                    examiner=lead,
                    status="submitted",
                    overall_grade=other,
                    writing=writing,
                    updated_by=lead,
                    submitted_at=now,
                )
            )
    Assessment.objects.bulk_create(assessments)
    Inspection.objects.filter(pk=inspection.pk).update(status=Status.REPORTING)
    inspection.status = Status.REPORTING
    return inspection

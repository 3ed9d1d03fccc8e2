"""Demo data of the case-file audit: one inspection's fieldwork finished, one under way.

``add_demo_fieldwork(inspection, complete=...)`` works on an inspection whose sample is drawn,
through the services only, each step made by the team member who would make it:

* ``complete=True``: the lead allocates every case; the inspectors examine them all, in turn
  (so the moderation rule, which runs on each submission, picks the cases it would pick); the
  moderator re-examines each case picked; the lead resolves every disagreement, signs every
  case off, and records the force's acknowledgement of the one escalation.
* ``complete=False``: the cases are allocated; a few are submitted and a few drafted; the
  moderator has moderated two (one disagreement, not yet resolved); one escalation is open, so
  it shows on the lead's dashboard; nothing is signed off.

Everything is synthetic: answers come from a seeded random generator (the same every run),
with grades that vary by theme; every note, rationale and concern starts with "[Demo]".
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

import pghistory

from cpinspect.assessments import questionsets, services
from cpinspect.assessments.agreement import GRADE_LABELS, GRADE_ORDER
from cpinspect.assessments.models import CaseAudit, CaseGrade, Kind
from cpinspect.casefiles.schema import category_label
from cpinspect.programmes.models import TeamRole

DEMO = "[Demo]"
SEED = 2026

# Shares of good, requires improvement and inadequate first grades, by theme (fictional: some
# work is done better than other work).
THEME_GRADES = {
    "custody": (0.55, 0.35, 0.10),
    "cse": (0.20, 0.45, 0.35),
    "domestic_abuse": (0.40, 0.45, 0.15),
    "missing_children": (0.30, 0.50, 0.20),
    "online_abuse": (0.25, 0.50, 0.25),
    "rso_management": (0.60, 0.30, 0.10),
    "vulnerability_and_risk": (0.45, 0.40, 0.15),
}
# How the answers to yes/no questions lean, by the overall grade being written up.
YES_NO_WEIGHTS = {
    CaseGrade.GOOD: {"yes": 88, "partly": 8, "no": 2, "not_applicable": 2},
    CaseGrade.REQUIRES_IMPROVEMENT: {"yes": 55, "partly": 28, "no": 15, "not_applicable": 2},
    CaseGrade.INADEQUATE: {"yes": 25, "partly": 30, "no": 43, "not_applicable": 2},
}
# The chance that a moderator's overall grade is the first examiner's.
MODERATOR_AGREES = 0.7

THEME_FINDINGS = {
    "custody": "the child's detention and the appropriate adult",
    "cse": "the signs of exploitation and the disruption of the suspects",
    "domestic_abuse": "the child's experience of the abuse at home",
    "missing_children": "the return interview and the pattern of episodes",
    "online_abuse": "the seizure of devices and the safeguarding of the child",
    "rso_management": "the risk the registered offender posed to children",
    "vulnerability_and_risk": "the child's vulnerability and the multi-agency response",
}

GRADE_REASONS = {
    CaseGrade.GOOD: "the police acted promptly and kept the child at the centre of their work",
    CaseGrade.REQUIRES_IMPROVEMENT: (
        "the child was protected, but some actions were late or their reasons not recorded"
    ),
    CaseGrade.INADEQUATE: "the child was left at risk for too long and the risks were not managed",
}


@dataclass
class DemoFieldwork:
    """What ``add_demo_fieldwork`` did, for the demo command's output and the tests."""

    allocated: int = 0
    submitted: int = 0
    drafts: int = 0
    moderated: int = 0
    resolved: int = 0
    signed_off: int = 0
    escalations: int = 0

    def __str__(self) -> str:
        return (
            f"{self.allocated} cases allocated, {self.submitted} examined, {self.drafts} drafts, "
            f"{self.moderated} moderated, {self.resolved} disagreements resolved, "
            f"{self.signed_off} signed off, {self.escalations} escalation(s)"
        )


def _as(user):
    """The change history names the demo user who made each change."""
    return pghistory.context(user=user.pk, source="demo")


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    values = list(weights)
    return rng.choices(values, weights=[weights[v] for v in values])[0]


def _first_grade(rng: random.Random, theme: str) -> str:
    shares = THEME_GRADES.get(theme, (0.4, 0.4, 0.2))
    return rng.choices(GRADE_ORDER, weights=shares)[0]


def _near(rng: random.Random, grade: str) -> str:
    """A grade one step away (a disagreement), towards the middle when at an end."""
    index = GRADE_ORDER.index(grade)
    steps = [s for s in (-1, 1) if 0 <= index + s < len(GRADE_ORDER)]
    return GRADE_ORDER[index + rng.choice(steps)]


def _answer(rng: random.Random, question, grade: str) -> str:
    if question.type == "yes_no":
        return _weighted(rng, YES_NO_WEIGHTS[grade])
    if question.type == "grade":
        # mostly the overall grade, sometimes a step either side
        return grade if rng.random() < 0.7 else _near(rng, grade)
    if question.type == "free_text":
        return f"{DEMO} Synthetic comment for the demonstration; no real case is behind it."
    # single choice: the answers that need no evidence are the sound ones
    sound = [v for v, _ in question.choices if v not in question.evidence_required_when]
    doubtful = [v for v, _ in question.choices if v in question.evidence_required_when]
    lean = {CaseGrade.GOOD: 0.92, CaseGrade.REQUIRES_IMPROVEMENT: 0.7, CaseGrade.INADEQUATE: 0.45}[
        grade
    ]
    pool = sound if (sound and (not doubtful or rng.random() < lean)) else doubtful
    return rng.choice(pool)


def demo_draft(audit: CaseAudit, grade: str, rng: random.Random, *, share: float = 1.0):
    """A synthetic assessment of the case written up to ``grade``: every question asked
    answered (``share`` < 1: only that share of them, for a draft), an evidence note wherever
    the answer needs one, and a rationale."""
    qs = services.question_set_for(audit)
    facts = services.case_facts(audit)
    answers, notes, texts = {}, {}, {}
    decided: set[str] = set()
    while True:  # answers can reveal further questions: go on until none is new
        merged = {
            qid: {"value": value, "note": notes.get(qid, "")}
            for qid, value in {**answers, **texts}.items()
        }
        new = [q for q in questionsets.visible_questions(qs, facts, merged) if q.id not in decided]
        if not new:
            break
        for question in new:
            decided.add(question.id)
            skip = not question.required and rng.random() < 0.4
            if skip or rng.random() >= share:
                continue
            value = (
                grade if question.id == services.OVERALL_QUESTION else _answer(rng, question, grade)
            )
            (texts if question.type == "free_text" else answers)[question.id] = value
            if value in question.evidence_required_when:
                notes[question.id] = (
                    f"{DEMO} Synthetic evidence: record entry {rng.randint(2, 60)} shows why "
                    f"the answer is ‘{question.label_of(value)}’."
                )
    theme = audit.case.stratum
    return services.Draft(
        answers=answers,
        notes=notes,
        texts=texts,
        overall_grade=grade if share >= 1 else "",
        rationale=(
            f"{DEMO} Synthetic rationale about "
            f"{THEME_FINDINGS.get(theme, category_label(theme).lower())}: {GRADE_REASONS[grade]}."
            if share >= 1
            else ""
        ),
    )


def _save(audit: CaseAudit, user, draft, *, submit: bool):
    with _as(user):
        assessment = services.assessment_open(audit=audit, user=user)
        return services.assessment_save(
            assessment=assessment,
            user=user,
            draft=draft,
            expected_version=assessment.version,
            submit=submit,
        )


def _in_turn(audits: list[CaseAudit]) -> list[CaseAudit]:
    """The cases in the order the inspectors would submit them: each inspector's next case in
    turn, as they work side by side."""
    queues = defaultdict(list)
    for audit in audits:
        queues[audit.examiner_id].append(audit)
    ordered = []
    while any(queues.values()):
        for examiner in sorted(queues):
            if queues[examiner]:
                ordered.append(queues[examiner].pop(0))
    return ordered


def _team(inspection, role):
    return [m.user for m in inspection.team.filter(role=role).select_related("user")]


def _refresh(audit: CaseAudit) -> CaseAudit:
    return CaseAudit.objects.select_related("case", "examiner", "moderator").get(pk=audit.pk)


def add_demo_fieldwork(inspection, *, complete: bool, seed: int = SEED) -> DemoFieldwork:
    """Make the demo's case-file audit of ``inspection`` (its sample must be drawn): the whole
    of fieldwork (``complete``) or fieldwork under way. The caller makes the status moves."""
    return _add_demo_fieldwork(inspection, complete=complete, seed=seed)


def _add_demo_fieldwork(inspection, *, complete: bool, seed: int) -> DemoFieldwork:
    rng = random.Random(f"{seed}/{inspection.subject_name}")  # noqa: S311 - fictional data
    lead = _team(inspection, TeamRole.LEAD)[0]
    done = DemoFieldwork()
    with _as(lead):
        services.cases_allocate(inspection=inspection, user=lead)
    audits = list(
        CaseAudit.objects.filter(inspection=inspection).select_related("case", "examiner")
    )
    done.allocated = len(audits)
    grades = {audit.pk: _first_grade(rng, audit.case.stratum) for audit in audits}
    if complete:
        _complete(inspection, lead, _in_turn(audits), grades, rng, done)
    else:
        _under_way(inspection, audits, grades, rng, done)
    return done


def _complete(inspection, lead, audits, grades, rng, done: DemoFieldwork) -> None:
    for audit in audits:  # first examinations; the moderation rule runs on each submission
        _save(audit, audit.examiner, demo_draft(audit, grades[audit.pk], rng), submit=True)
        done.submitted += 1

    picked = [
        a for a in (_refresh(a) for a in audits) if a.moderation_reason and a.moderator is not None
    ]
    for audit in picked:  # blind moderation
        first = grades[audit.pk]
        grade = first if rng.random() < MODERATOR_AGREES else _near(rng, first)
        _save(audit, audit.moderator, demo_draft(audit, grade, rng), submit=True)
        done.moderated += 1

    for audit in (_refresh(a) for a in picked):
        if audit.final_grade:
            continue  # the two examinations agreed
        given = {a.kind: a.overall_grade for a in audit.assessments.all()}
        chosen = given[Kind.MODERATION] if rng.random() < 0.6 else given[Kind.FIRST]
        with _as(lead):
            services.disagreement_resolve(
                audit=audit,
                user=lead,
                grade=chosen,
                rationale=(
                    f"{DEMO} Resolved as {GRADE_LABELS[chosen].lower()} after reading both "
                    "examinations against the record (synthetic, for the demonstration)."
                ),
            )
        done.resolved += 1

    # A child at risk found during the examinations; the force acknowledged the referral.
    worst = next(
        (a for a in audits if grades[a.pk] == CaseGrade.INADEQUATE), audits[0] if audits else None
    )
    if worst is not None:
        with _as(worst.examiner):
            escalation = services.escalation_raise(
                audit=worst,
                user=worst.examiner,
                concern=(
                    f"{DEMO} Synthetic concern: the record suggests the child is still in "
                    "contact with the suspect and no safeguarding plan is recorded."
                ),
            )
        with _as(lead):
            services.escalation_acknowledge(
                escalation=escalation,
                user=lead,
                by_whom=f"{DEMO} DI Sam Example, public protection unit (fictional)",
            )
        done.escalations += 1

    for audit in (_refresh(a) for a in audits):
        with _as(lead):
            services.case_sign_off(audit=audit, user=lead)
        done.signed_off += 1


def _under_way(inspection, audits, grades, rng, done: DemoFieldwork) -> None:
    """A few cases submitted, a few drafts, one open escalation; nothing signed off. The rest
    of each worklist is not started."""
    chosen = rng.sample(audits, min(len(audits), 8))
    submitted, drafted = chosen[:5], chosen[5:]
    for audit in _in_turn(submitted):
        _save(audit, audit.examiner, demo_draft(audit, grades[audit.pk], rng), submit=True)
        done.submitted += 1
    for audit in drafted:
        draft = demo_draft(audit, grades[audit.pk], rng, share=0.5)
        _save(audit, audit.examiner, draft, submit=False)
        done.drafts += 1

    # The moderator has re-examined two of the cases picked: one agreed, one did not (left
    # for the lead to resolve on the moderation page).
    picked = [a for a in (_refresh(a) for a in submitted) if a.moderator is not None]
    for audit, agree in zip(picked[:2], (True, False), strict=False):
        first = grades[audit.pk]
        grade = first if agree else _near(rng, first)
        _save(audit, audit.moderator, demo_draft(audit, grade, rng), submit=True)
        done.moderated += 1

    if drafted:
        audit = drafted[0]
        with _as(audit.examiner):
            services.escalation_raise(
                audit=audit,
                user=audit.examiner,
                concern=(
                    f"{DEMO} Synthetic concern: a sibling named in the record was never seen "
                    "and the referral to children's services is not recorded."
                ),
            )
        done.escalations += 1

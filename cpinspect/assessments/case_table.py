"""The fieldwork home's table of cases: each case's stage, and the lead's filter, search and
sort (GET parameters: theme, status, examiner, case, sort). The rows are the selector's
(scoped to the user); filtering and sorting ~70 rows happens here, in Python, because the stage
is derived from the case's examinations. The parameters carry no personal data: a case's
reference is its number in the sample (``SampledCase.pk``), never the force's own reference,
which is stored only encrypted; an examiner is named by a staff account's id."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from cpinspect.assessments.models import Assessment, CaseAudit, CaseGrade, Kind
from cpinspect.casefiles.models import CaseStatus
from cpinspect.casefiles.schema import CATEGORIES

STAGES = [
    ("to_examine", "To examine"),
    ("being_examined", "Being examined"),
    ("in_moderation", "In moderation"),
    ("disagreement", "Disagreement"),
    ("ready", "Ready to sign off"),
    ("signed_off", "Signed off"),
    ("unusable", "Cannot be used"),
]
STAGE_LABELS = dict(STAGES)
_STAGE_ORDER = {stage: i for i, (stage, _) in enumerate(STAGES)}
_GRADE_ORDER = {grade: i for i, grade in enumerate(CaseGrade.values)}
SORTS = [("reference", "Case"), ("theme", "Theme"), ("status", "Status"), ("grade", "Final grade")]


@dataclass
class Row:
    audit: CaseAudit
    found: dict[str, Assessment]
    stage: str

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def ready(self) -> bool:
        return self.stage == "ready"


def stage_of(audit: CaseAudit, found: dict[str, Assessment]) -> str:
    first, moderation = found.get(Kind.FIRST), found.get(Kind.MODERATION)
    if audit.case.status == CaseStatus.UNUSABLE:
        return "unusable"
    if audit.locked:
        return "signed_off"
    if audit.final_grade:
        return "ready"
    if first is None:
        return "to_examine"
    if not first.submitted:
        return "being_examined"
    if moderation is not None and moderation.submitted:
        return "disagreement"  # both submitted and no final grade: they differ, unresolved
    return "in_moderation"


def rows_of(audits_with_found) -> list[Row]:
    return [Row(a, found, stage_of(a, found)) for a, found in audits_with_found]


class CaseTableForm(forms.Form):
    """The filter: every field optional; an unknown value is ignored (the whole table)."""

    case = forms.IntegerField(label="Case number", required=False, min_value=1)
    theme = forms.ChoiceField(label="Theme", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *STAGES]
    )
    examiner = forms.ChoiceField(label="Examiner", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORTS)

    def __init__(self, data, *, rows: list[Row]):
        super().__init__(data, auto_id="filter-%s")
        themes = {r.audit.case.stratum for r in rows}
        self.fields["theme"].choices = [("", "Any theme")] + [
            (slug, label) for slug, label in CATEGORIES if slug in themes
        ]
        examiners = {r.audit.examiner_id: r.audit.examiner.full_name for r in rows}
        self.fields["examiner"].choices = [("", "Anyone")] + sorted(
            ((str(pk), name) for pk, name in examiners.items()), key=lambda c: c[1]
        )

    def wanted(self) -> dict:
        """The valid filters; a field with a bad value is dropped, not an error page."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None)}


def filtered(rows: list[Row], wanted: dict) -> list[Row]:
    if "case" in wanted:
        rows = [r for r in rows if r.audit.case_id == wanted["case"]]
    if "theme" in wanted:
        rows = [r for r in rows if r.audit.case.stratum == wanted["theme"]]
    if "status" in wanted:
        rows = [r for r in rows if r.stage == wanted["status"]]
    if "examiner" in wanted:
        rows = [r for r in rows if str(r.audit.examiner_id) == wanted["examiner"]]
    keys = {
        "reference": lambda r: r.audit.case_id,
        "theme": lambda r: (r.audit.case.get_stratum_display(), r.audit.case_id),
        "status": lambda r: (_STAGE_ORDER[r.stage], r.audit.case_id),
        # no grade yet sorts last
        "grade": lambda r: (_GRADE_ORDER.get(r.audit.final_grade, 99), r.audit.case_id),
    }
    return sorted(rows, key=keys[wanted.get("sort", "reference")])

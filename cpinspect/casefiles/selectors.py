"""Reads of case-level data: each takes the user and checks ``access.can_see_case_data``."""

from dataclasses import dataclass

from django.http import Http404

from cpinspect.accounts import access
from cpinspect.casefiles.models import (
    Extract,
    ExtractProblem,
    ExtractStatus,
    Sample,
    SampledCase,
)
from cpinspect.programmes.models import Inspection


def case_inspection_for(user, pk):
    """The inspection, if ``user`` is on its team; 404 otherwise (never admit it exists).

    Reads what case pages use, in two queries (the audit form is the busiest page): the
    inspection with its subject and fieldwork set-up (without the 29 KB question-set snapshot,
    which ``assessments.services`` reads once per process), then its team (their roles: no
    case page lists the team's names).
    """
    try:
        inspection = (
            Inspection.objects.select_related(
                "programme", "force", "council", "council__force", "fieldwork_setup"
            )
            .defer("fieldwork_setup__question_sets")
            .prefetch_related("team")
            .get(pk=pk)
        )
    except (Inspection.DoesNotExist, ValueError, TypeError):
        raise Http404("No such inspection.") from None
    if not access.can_see_case_data(user, inspection):
        raise Http404("No such inspection.")
    return inspection


def extracts_for(user, inspection):
    if not access.can_see_case_data(user, inspection):
        return Extract.objects.none()
    return Extract.objects.filter(inspection=inspection).select_related("imported_by")


def extract_for(user, inspection, extract_id) -> Extract:
    try:
        return extracts_for(user, inspection).get(pk=extract_id)
    except (Extract.DoesNotExist, ValueError, TypeError):
        raise Http404("No such extract.") from None


def current_extract(user, inspection) -> Extract | None:
    """The sampling frame: the import of the sample in use; before any sample, the latest
    imported extract (the one to sample)."""
    sample = sample_for(user, inspection)
    if sample is not None:
        return extracts_for(user, inspection).select_related("summary").get(pk=sample.extract_id)
    return (
        extracts_for(user, inspection)
        .filter(status=ExtractStatus.IMPORTED)
        .select_related("summary")
        .first()
    )


def newer_import(user, inspection, sample) -> Extract | None:
    """An import newer than the sample in use, which a recorded redraw could sample."""
    if sample is None:
        return None
    return (
        extracts_for(user, inspection)
        .filter(status=ExtractStatus.IMPORTED, vault_destroyed_at__isnull=True)
        .exclude(pk=sample.extract_id)
        .first()
    )


def sample_for(user, inspection) -> Sample | None:
    """The sample in use (a redrawn sample's predecessor is withdrawn)."""
    if not access.can_see_case_data(user, inspection):
        return None
    return (
        Sample.objects.filter(inspection=inspection, withdrawn_at__isnull=True)
        .select_related("extract", "drawn_by", "redraw_of")
        .first()
    )


def withdrawn_samples(user, inspection):
    if not access.can_see_case_data(user, inspection):
        return Sample.objects.none()
    return Sample.objects.filter(inspection=inspection, withdrawn_at__isnull=False).select_related(
        "redrawn_as__drawn_by"
    )


@dataclass
class ProblemPage:
    """One page of an import's validation report: rows ``start`` to ``end`` (from 0) of
    ``total`` (the whole report, or one problem's rows)."""

    rows: list
    number: int
    pages: int
    total: int
    start: int
    end: int
    problem: str | None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def problem_page(extract, *, problem: str | None, page, per_page: int) -> ProblemPage:
    """A page of the report by index range (``seq`` or ``kind_seq``), never OFFSET: the last
    page of a 300,000-row report costs what the first does. ``extract`` comes from
    ``extract_for`` (the user's access is checked there)."""
    counts = extract.problem_counts or {}
    if problem not in counts:
        problem = None
    total = counts[problem] if problem else sum(counts.values())
    pages = max(1, -(-total // per_page))
    try:
        number = min(max(int(page or 1), 1), pages)
    except (TypeError, ValueError):
        number = 1
    start, end = (number - 1) * per_page, min(number * per_page, total)
    rows = ExtractProblem.objects.filter(extract=extract)
    if problem:
        rows = rows.filter(problem=problem, kind_seq__gte=start, kind_seq__lt=end).order_by(
            "kind_seq"
        )
    else:
        rows = rows.filter(seq__gte=start, seq__lt=end).order_by("seq")
    return ProblemPage(
        rows=list(rows.values("line", "field", "problem", "found")),
        number=number,
        pages=pages,
        total=total,
        start=start,
        end=end,
        problem=problem,
    )


def sampled_cases(user, sample):
    if sample is None or not access.can_see_case_data(user, sample.inspection):
        return SampledCase.objects.none()
    return sample.cases.defer("raw_ref_encrypted").select_related("replaced_by")


def sampled_case_for(user, inspection, case_id) -> SampledCase:
    if not access.can_see_case_data(user, inspection):
        raise Http404("No such case.")
    try:
        return SampledCase.objects.select_related("sample__inspection").get(
            pk=case_id, sample__inspection=inspection
        )
    except (SampledCase.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case.") from None

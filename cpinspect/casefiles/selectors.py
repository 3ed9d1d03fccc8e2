"""Reads of case-level data: each takes the user and checks ``access.can_see_case_data``."""

from django.http import Http404

from cpinspect.accounts import access
from cpinspect.casefiles.models import Extract, ExtractStatus, Sample, SampledCase
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
    """The latest imported extract (the one to sample), if any."""
    return (
        extracts_for(user, inspection)
        .filter(status=ExtractStatus.IMPORTED)
        .select_related("summary")
        .first()
    )


def sample_for(user, inspection) -> Sample | None:
    if not access.can_see_case_data(user, inspection):
        return None
    return Sample.objects.filter(inspection=inspection).select_related("extract").first()


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

"""Thin public pages: the national picture, its open data and the data dictionary.

They show only published grades and official statistics (no case-level data), so none needs
sign-in, as the forces list does not.
"""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from cpinspect.national import dfe, opendata, pdf_cache, selectors
from cpinspect.national.forms import AssessmentForm


@require_safe
def national_picture(request):
    assessments = selectors.published_assessments()
    bound = request.GET if "assessment" in request.GET else None
    form = AssessmentForm(bound, assessments=assessments)
    valid = form.is_bound and form.is_valid()
    key = form.cleaned_data["assessment"] if valid else None
    picture = selectors.national_picture(key, assessments) if assessments else None
    if picture is not None and not form.is_bound:
        initial = {"assessment": picture.assessment.key}
        form = AssessmentForm(initial=initial, assessments=assessments)
    return render(
        request,
        "national/picture.html",
        {
            "form": form,
            "picture": picture,
            "markers": dfe.MARKER_MEANINGS,
            "attribution": opendata.ATTRIBUTION,
        },
        status=400 if form.is_bound and not valid else 200,
    )


@require_safe
def national_report_pdf(request):
    """The national picture as an accessible PDF (PDF/UA), for the chosen assessment, kept
    until its data changes (pdf_cache)."""
    assessments = selectors.published_assessments()
    form = AssessmentForm(request.GET or None, assessments=assessments)
    key = form.cleaned_data["assessment"] if form.is_bound and form.is_valid() else None
    if form.is_bound and key is None:
        raise Http404("No such assessment.")
    if not assessments:
        raise Http404("No published grades are loaded.")
    chosen = key or selectors.default_assessment(assessments).key
    pdf = pdf_cache.national_pdf(chosen, lambda: _render_national_pdf(chosen, assessments))
    name = f"national-picture-{chosen}.pdf"
    return HttpResponse(pdf, content_type="application/pdf", headers=_attachment(name))


def _render_national_pdf(key: str, assessments) -> bytes:
    from django.template.loader import render_to_string

    from cpinspect.reports.rendering import render_pdf

    picture = selectors.national_picture(key, assessments)
    html = render_to_string(
        "national/report.html",
        {"picture": picture, "markers": dfe.MARKER_MEANINGS, "attribution": opendata.ATTRIBUTION},
    )
    return render_pdf(html)


def _attachment(file_name) -> dict:
    return {"Content-Disposition": content_disposition_header(True, file_name)}


def _picture():
    try:
        return selectors.national_picture()
    except selectors.UnknownAssessment:
        raise Http404("No published grades are loaded.") from None


@require_safe
def data_csv(request):
    picture = _picture()
    return HttpResponse(
        opendata.as_csv(picture),
        content_type="text/csv; charset=utf-8",
        headers=_attachment("national-picture.csv"),
    )


@require_safe
def data_json(request):
    picture = _picture()
    return JsonResponse(
        opendata.as_json(picture),
        json_dumps_params={"ensure_ascii": False, "indent": 1},
        headers=_attachment("national-picture.json"),
    )


@require_safe
def data_dictionary(request):
    assessments = selectors.published_assessments()
    return render(
        request,
        "national/data_dictionary.html",
        {
            "columns": opendata.columns(assessments),
            "json_fields": opendata.JSON_FIELDS,
            "statistic_keys": opendata.STATISTIC_KEYS,
            "figure_keys": opendata.FIGURE_KEYS,
            "markers": dfe.MARKER_MEANINGS,
            "attribution": opendata.ATTRIBUTION,
            "licence_url": opendata.LICENCE_URL,
        },
    )

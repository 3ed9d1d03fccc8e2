"""Pages of the case extract pipeline. Thin: selectors decide what the user may see (the
inspection's team only; anyone else gets 404), services do the work. An upload is queued
for the background worker; its page is the status page, refreshing itself until it is done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.casefiles import precision, sampling, selectors, services
from cpinspect.casefiles.forms import DrawForm, UnusableForm, UploadForm
from cpinspect.casefiles.models import ExtractStatus
from cpinspect.casefiles.report import report_rows
from cpinspect.casefiles.schema import CATEGORY_LABELS, category_label
from cpinspect.editing.forms import create_once

# the pipeline's steps as the status page names them (services.extract_run reports them)
STAGES = [
    ("read", "Reading the file"),
    ("validate", "Checking every row"),
    ("pseudonymise", "Replacing case references with pseudonyms"),
    ("write", "Writing the sampling frame"),
]


def _summary_tables(summary):
    if summary is None:
        return []
    return [
        ("Category", [(category_label(k), v) for k, v in summary.by_category.items()]),
        ("Council", list(summary.by_council.items())),
        ("Month recorded", list(summary.by_month.items())),
        ("Age band", list(summary.by_age_band.items())),
    ]


@login_required
def extract_home(request, pk):
    inspection = selectors.case_inspection_for(request.user, pk)
    current = selectors.current_extract(request.user, inspection)
    sample = selectors.sample_for(request.user, inspection)
    return render(
        request,
        "casefiles/extract_home.html",
        {
            "inspection": inspection,
            "extracts": selectors.extracts_for(request.user, inspection)[:20],
            "current": current,
            "sample": sample,
            "upload_form": UploadForm(),
            "draw_form": DrawForm(),
            "tables": _summary_tables(getattr(current, "summary", None) if current else None),
        },
    )


@login_required
@require_POST
def extract_upload(request, pk):
    inspection = selectors.case_inspection_for(request.user, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "casefiles/extract_home.html",
            {
                "inspection": inspection,
                "extracts": selectors.extracts_for(request.user, inspection)[:20],
                "upload_form": form,
                "draw_form": DrawForm(),
                "tables": [],
            },
            status=400,
        )
    outcome = create_once(  # a second click queues one import, not two
        request,
        form,
        lambda: services.extract_queue(
            inspection=inspection,
            user=request.user,
            data=form.cleaned_data["file"].read(),
            profile_name=form.cleaned_data["profile"],
            hold_for_confirmation=True,
            via="web",
        ),
    )
    if outcome is None:
        return render(
            request,
            "casefiles/extract_home.html",
            {
                "inspection": inspection,
                "extracts": selectors.extracts_for(request.user, inspection)[:20],
                "upload_form": form,
                "draw_form": DrawForm(),
                "tables": [],
            },
            status=400,
        )
    extract = outcome.obj
    return redirect("casefiles-extract-detail", pk=inspection.pk, extract_id=extract.pk)


@login_required
@never_cache
def extract_detail(request, pk, extract_id):
    inspection = selectors.case_inspection_for(request.user, pk)
    extract = selectors.extract_for(request.user, inspection, extract_id)
    access_log_record(
        user=request.user, action=AccessAction.VIEW, obj=extract, inspection_id=inspection.pk
    )
    page = Paginator(report_rows(extract.report), 100).get_page(request.GET.get("page"))
    summary = getattr(extract, "summary", None) if hasattr(extract, "summary") else None
    return render(
        request,
        "casefiles/extract_detail.html",
        {
            "inspection": inspection,
            "extract": extract,
            "page": page,
            "tables": _summary_tables(summary),
            "running": extract.status in (ExtractStatus.QUEUED, ExtractStatus.RUNNING),
            "stages": STAGES,
        },
    )


@login_required
@require_POST
def extract_decide(request, pk, extract_id, decision):
    inspection = selectors.case_inspection_for(request.user, pk)
    extract = selectors.extract_for(request.user, inspection, extract_id)
    action = services.extract_confirm if decision == "confirm" else services.extract_cancel
    try:
        action(extract=extract, user=request.user)
    except services.ImportRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, "Import confirmed." if decision == "confirm" else "Import cancelled."
        )
    return redirect("casefiles-extract-detail", pk=inspection.pk, extract_id=extract.pk)


@login_required
@require_POST
def sample_draw(request, pk):
    inspection = selectors.case_inspection_for(request.user, pk)
    current = selectors.current_extract(request.user, inspection)
    form = DrawForm(request.POST)
    if current is None or not form.is_valid():
        messages.error(request, "There is no imported extract to sample, or the form has errors.")
        return redirect("casefiles-extract", pk=inspection.pk)
    data = form.cleaned_data
    design = sampling.Design(
        size=data["size"],
        method=data["method"],
        minimum=data["minimum"] if data["minimum"] is not None else 5,
        exclude_older_than_months=data["exclude_older_than_months"],
    )
    try:
        outcome = create_once(
            request,
            form,
            lambda: services.sample_draw(
                extract=current, user=request.user, design=design, seed=data["seed"]
            ),
        )
    except (services.SampleRefused, ValueError) as refusal:
        messages.error(request, str(refusal))
        return redirect("casefiles-extract", pk=inspection.pk)
    if outcome is None:
        messages.error(request, form.non_field_errors()[0])
        return redirect("casefiles-extract", pk=inspection.pk)
    messages.success(request, "Sample drawn.")
    return redirect("casefiles-sample", pk=inspection.pk)


@login_required
@never_cache
def sample_detail(request, pk):
    inspection = selectors.case_inspection_for(request.user, pk)
    sample = selectors.sample_for(request.user, inspection)
    if sample is not None:
        access_log_record(
            user=request.user, action=AccessAction.VIEW, obj=sample, inspection_id=inspection.pk
        )
    cases = list(selectors.sampled_cases(request.user, sample))
    return render(
        request,
        "casefiles/sample_detail.html",
        {
            "inspection": inspection,
            "sample": sample,
            "sampled": [c for c in cases if c.status == "sampled"],
            "reserves": [c for c in cases if c.status == "reserve"],
            "unusable": [c for c in cases if c.status == "unusable"],
            "precision": [
                {**row, "label": CATEGORY_LABELS.get(row["stratum"], row["stratum"])}
                for row in precision.table(sample.allocation, sample.population)
            ]
            if sample
            else [],
            "unusable_form": UnusableForm(),
        },
    )


@login_required
@require_POST
def case_unusable(request, pk, case_id):
    inspection = selectors.case_inspection_for(request.user, pk)
    case = selectors.sampled_case_for(request.user, inspection, case_id)
    form = UnusableForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the case cannot be used.")
        return redirect("casefiles-sample", pk=inspection.pk)
    try:
        reserve = services.sampled_case_mark_unusable(
            case=case, user=request.user, reason=form.cleaned_data["reason"]
        )
    except services.SampleRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Case marked unusable; reserve {reserve.pseudonym[:12]} takes its place."
            if reserve
            else "Case marked unusable; its category has no reserve left.",
        )
    return redirect("casefiles-sample", pk=inspection.pk)


@login_required
@require_POST
@never_cache
def case_reveal(request, pk, case_id):
    inspection = selectors.case_inspection_for(request.user, pk)
    case = selectors.sampled_case_for(request.user, inspection, case_id)
    reference = services.sampled_case_reveal(case=case, user=request.user, via="web")
    return render(
        request,
        "casefiles/reveal.html",
        {"inspection": inspection, "case": case, "reference": reference},
    )

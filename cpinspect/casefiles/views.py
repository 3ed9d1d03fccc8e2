"""Pages of the case extract pipeline. Thin: selectors decide what the user may see (the
inspection's team only; anyone else gets 404), services do the work. An upload is queued
for the background worker; its page is the status page, refreshing itself until it is done,
then the import's summary and its validation report, page by page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from cpinspect.accounts import access
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.casefiles import precision, receiving, report, sampling, selectors, services
from cpinspect.casefiles.forms import DrawForm, RedrawForm, UnusableForm, UploadForm
from cpinspect.casefiles.models import ExtractStatus
from cpinspect.casefiles.schema import CATEGORY_LABELS, category_label
from cpinspect.editing.forms import create_once

REPORT_PAGE_ROWS = 100

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


def _home(request, inspection, *, upload_form=None, draw_form=None, status=200):
    user = request.user
    sample = selectors.sample_for(user, inspection)
    current = selectors.current_extract(user, inspection)
    newer = selectors.newer_import(user, inspection, sample)
    return render(
        request,
        "casefiles/extract_home.html",
        {
            "inspection": inspection,
            "extracts": selectors.extracts_for(user, inspection).defer(
                "problem_kinds", "out_of_scope", "columns_kept", "columns_dropped", "error"
            )[:20],
            "current": current,
            "current_file": report.file_words(current) if current else "",
            "sample": sample,
            "newer": newer,
            "closed": services.stage_refusal(inspection),
            "upload_form": upload_form or UploadForm(),
            "draw_form": draw_form or (RedrawForm() if sample else DrawForm()),
            "tables": _summary_tables(getattr(current, "summary", None) if current else None),
        },
        status=status,
    )


@login_required
def extract_home(request, pk):
    return _home(request, selectors.case_inspection_for(request.user, pk))


@csrf_exempt  # checked by _upload, once the body has been received (see ADR 0022)
@login_required
@require_POST
def extract_upload(request, pk):
    """The file is received encrypted to disk as it arrives (``receiving``), and only from
    a member of the inspection's team (anyone else: 404 or 403 before the body is read);
    over the size limit, 413."""
    inspection = selectors.case_inspection_for(request.user, pk)
    if not access.can_manage_case_data(request.user, inspection):
        raise PermissionDenied("Only the inspection's team works with its case files.")
    try:
        receiving.receive(request, inspection.pk)
    except receiving.UploadTooLarge as refusal:
        return render(
            request,
            "casefiles/upload_too_large.html",
            {"inspection": inspection, "message": str(refusal)},
            status=413,
        )
    return _upload(request, inspection)


@csrf_protect
def _upload(request, inspection):
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = create_once(  # a second click queues one import, not two
                request,
                form,
                lambda: services.extract_queue(
                    inspection=inspection,
                    user=request.user,
                    data=upload,
                    profile_name=form.cleaned_data["profile"],
                    hold_for_confirmation=True,
                    via="web",
                    file_name=upload.name,
                ),
            )
        except services.ImportRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            if outcome is not None:  # None: the token was reused; the form says so
                return redirect(
                    "casefiles-extract-detail", pk=inspection.pk, extract_id=outcome.obj.pk
                )
    return _home(request, inspection, upload_form=form, status=400)


def _pagination(page, problem):
    """The GOV.UK pagination component's items: first, last, and the pages either side."""

    def href(number):
        query = {"problem": problem} if problem else {}
        query["page"] = number
        return "?" + urlencode(query) + "#report"

    numbers = sorted({1, page.pages, page.number - 1, page.number, page.number + 1})
    items, last = [], 0
    for number in (n for n in numbers if 1 <= n <= page.pages):
        if number > last + 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.number})
        last = number
    return {
        "items": items,
        "previous": href(page.number - 1) if page.has_previous else None,
        "next": href(page.number + 1) if page.has_next else None,
    }


@login_required
@never_cache
def extract_detail(request, pk, extract_id):
    inspection = selectors.case_inspection_for(request.user, pk)
    extract = selectors.extract_for(request.user, inspection, extract_id)
    access_log_record(
        user=request.user, action=AccessAction.VIEW, obj=extract, inspection_id=inspection.pk
    )
    page = selectors.problem_page(
        extract,
        problem=request.GET.get("problem"),
        page=request.GET.get("page"),
        per_page=REPORT_PAGE_ROWS,
    )
    summary = getattr(extract, "summary", None) if hasattr(extract, "summary") else None
    return render(
        request,
        "casefiles/extract_detail.html",
        {
            "inspection": inspection,
            "extract": extract,
            "file_words": report.file_words(extract),
            "kinds": report.kind_rows(extract),
            "page": page,
            "rows": report.report_rows(extract, page.rows),
            "pagination": _pagination(page, page.problem),
            "problem_label": report.PROBLEM_LABELS.get(page.problem, ""),
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
    """Draw the sample from the frame; with a sample in use, a redraw from a newer import,
    which needs its reason (``RedrawForm``). Errors are shown on the form."""
    inspection = selectors.case_inspection_for(request.user, pk)
    sample = selectors.sample_for(request.user, inspection)
    form = (RedrawForm if sample else DrawForm)(request.POST)
    extract = (
        selectors.newer_import(request.user, inspection, sample)
        if sample
        else selectors.current_extract(request.user, inspection)
    )
    valid = form.is_valid()
    if extract is None:
        valid = False
        form.add_error(
            None,
            "Import the file again first: a redraw samples a newer import."
            if sample
            else "There is no imported extract to sample yet.",
        )
    if not valid:
        return _home(request, inspection, draw_form=form, status=400)
    data = form.cleaned_data
    design = sampling.Design(
        size=data["size"],
        method=data["method"],
        minimum=data["minimum"] if data["minimum"] is not None else 5,
        fixed=data["fixed"],
        exclude_older_than_months=data["exclude_older_than_months"],
    )
    try:
        outcome = create_once(
            request,
            form,
            lambda: services.sample_draw(
                extract=extract,
                user=request.user,
                design=design,
                seed=data["seed"],
                redraw_reason=data.get("reason", ""),
            ),
        )
    except (services.SampleRefused, ValueError) as refusal:
        form.add_error(None, str(refusal))
        return _home(request, inspection, draw_form=form, status=400)
    if outcome is None:  # the token was reused: the form says so and carries a new one
        return _home(request, inspection, draw_form=form, status=400)
    messages.success(request, "Sample drawn again." if sample else "Sample drawn.")
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
            "withdrawn": selectors.withdrawn_samples(request.user, inspection),
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

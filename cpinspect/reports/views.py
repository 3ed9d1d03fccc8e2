"""Thin pages of reports and of the open data. Reads go through ``selectors`` and writes
through ``services``; every rule is in ``accounts/access.py``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from cpinspect.accounts import access
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.editing.forms import create_once
from cpinspect.programmes import services as programme_services
from cpinspect.programmes.models import Status
from cpinspect.programmes.selectors import inspection_for
from cpinspect.reports import content, guard, opendata, rendering, selectors, services
from cpinspect.reports.forms import CommentForm, CorrectionForm, ResponseForm, ThematicForm
from cpinspect.reports.models import ReportKind, ReportStatus
from cpinspect.stats import disclosure


def _log(request, report, action):
    """A draft is not public: each view and download by a signed-in person is logged."""
    if not report.is_public and request.user.is_authenticated:
        access_log_record(
            user=request.user, action=action, obj=report, inspection_id=report.inspection_id
        )


def _refused(request, error) -> None:
    if isinstance(error, ValidationError):
        for problems in error.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.error(request, str(error))


@require_safe
def report_list(request):
    return render(
        request,
        "reports/report_list.html",
        {
            "reports": selectors.published_reports(),
            "drafts": selectors.thematic_drafts(request.user),
            "can_build_thematic": access.can_build_thematic(request.user),
        },
    )


@require_safe
def report_detail(request, pk):
    report = selectors.report_for(request.user, pk)
    _log(request, report, AccessAction.VIEW)
    return _report_page(request, report)


def _report_page(request, report, comment_form=None, status=200):
    """The report's page; ``comment_form``: a comment that was not taken, shown again with
    its problems and what was typed."""
    user = request.user
    inspection = report.inspection
    comments = selectors.comments_for(user, report)
    context = {
        "report": report,
        "article": rendering.article_of(report.html),
        "versions": selectors.versions_of(user, report),
        "newer": selectors.newer_version(report) if report.status == "superseded" else None,
        "comments": comments,
        "show_comments": access.can_see_report_comments(user, report),
        "section_titles": {"summary": "Summary", **content.SECTION_TITLES},
        "comment_form": comment_form
        or (CommentForm() if access.can_comment_on_report(user, report) else None),
        "can_answer": report.status in (ReportStatus.DRAFT, ReportStatus.FACTUAL_ACCURACY)
        and access.can_answer_report_comments(user, report),
        "can_rebuild": report.status == ReportStatus.DRAFT
        and inspection is not None
        and access.can_build_report(user, inspection),
        "can_send": report.status == ReportStatus.DRAFT
        and inspection is not None
        and inspection.status == Status.REPORTING
        and access.can_send_report_for_check(user, inspection),
        "can_publish": (
            report.status == ReportStatus.FACTUAL_ACCURACY
            or (report.kind == ReportKind.THEMATIC and report.status == ReportStatus.DRAFT)
        )
        and access.can_publish_report(user, report),
        "can_correct": report.status == ReportStatus.PUBLISHED
        and access.can_correct_report(user, report),
    }
    return render(request, "reports/report_page.html", context, status=status)


@require_safe
def report_pdf(request, pk):
    report = selectors.report_for(request.user, pk)
    _log(request, report, AccessAction.DOWNLOAD)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, report.pdf_file_name)
    response["X-Content-SHA256"] = report.pdf_sha256
    return response


@require_safe
def inspection_report(request, pk):
    """The stable address of an inspection's report: its current published version, or the
    draft the visitor may see."""
    from cpinspect.programmes.models import Inspection

    inspection = Inspection.objects.filter(pk=pk).first()
    published = selectors.current_published_of(inspection) if inspection else None
    if published is not None:
        return redirect("report-detail", pk=published.pk)
    if inspection is None or not request.user.is_authenticated:
        raise Http404("No published report.")
    inspection = inspection_for(request.user, pk)
    visible = selectors.reports_of_inspection(request.user, inspection)
    if not visible:
        raise Http404("No report yet.")
    return redirect("report-detail", pk=visible[0].pk)


@login_required
@require_POST
def report_build(request, pk):
    inspection = inspection_for(request.user, pk)
    try:
        report = services.report_build(inspection=inspection, user=request.user)
    except (services.ReportRefused, guard.LeakFound) as refused:
        _refused(request, refused)
        return redirect("inspection-detail", pk=inspection.pk)
    messages.success(request, "The draft report is built.")
    return redirect("report-detail", pk=report.pk)


def _confirm_move(report, target):
    """Work is outstanding: the move is confirmed, with its reason, on the inspection's
    status page, which lists what is unfinished."""
    url = reverse("inspection-transition", args=[report.inspection_id])
    return redirect(f"{url}?target={target}")


@login_required
@require_POST
def report_send(request, pk):
    report = selectors.report_for(request.user, pk)
    try:
        services.report_send_for_factual_accuracy(
            report=report,
            user=request.user,
            note=request.POST.get("note", ""),
            seen_sha256=request.POST.get("data_sha256", ""),
        )
    except programme_services.ReasonRequired:
        return _confirm_move(report, Status.FACTUAL_ACCURACY)
    except (services.ReportRefused, guard.LeakFound) as refused:
        _refused(request, refused)
    else:
        messages.success(request, "The draft is with the force for its factual accuracy check.")
    return redirect("report-detail", pk=report.pk)


@login_required
@require_POST
def report_publish(request, pk):
    report = selectors.report_for(request.user, pk)
    try:
        report = services.report_publish(
            report=report,
            user=request.user,
            seen_sha256=request.POST.get("data_sha256", ""),
        )
    except programme_services.ReasonRequired:
        return _confirm_move(report, Status.PUBLISHED)
    except (services.ReportRefused, guard.LeakFound) as refused:
        _refused(request, refused)
    else:
        messages.success(request, "The report is published.")
    return redirect("report-detail", pk=report.pk)


@login_required
@require_POST
def report_comment(request, pk):
    report = selectors.report_for(request.user, pk)
    access.require(
        access.can_comment_on_report(request.user, report),
        "Only the force's liaison officer comments, during the factual accuracy check.",
    )
    form = CommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            outcome = create_once(
                request,
                form,
                lambda: services.report_comment_add(
                    report=report, user=request.user, section=data["section"], text=data["text"]
                ),
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        except services.ReportRefused as refused:
            form.add_error(None, str(refused))
        else:
            if outcome is not None:
                messages.success(request, "Your comment is recorded.")
                return redirect("report-detail", pk=report.pk)
    # not taken: the page again, with the problem and what was typed (nothing is lost)
    return _report_page(request, report, comment_form=form, status=400)


@login_required
@require_POST
def report_comment_respond(request, pk, comment_pk):
    report = selectors.report_for(request.user, pk)
    comment = get_object_or_404(report.comments, pk=comment_pk)
    access.require(
        access.can_answer_report_comments(request.user, report),
        "Only the inspection's lead inspector answers the force's comments.",
    )
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            services.report_comment_respond(
                comment=comment, user=request.user, text=form.cleaned_data["response"]
            )
        except (services.ReportRefused, ValidationError) as refused:
            _refused(request, refused)
        else:
            messages.success(request, "Your response to the force is recorded.")
    else:
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
    return redirect(reverse("report-detail", args=[report.pk]) + "#comments")


@login_required
def report_correct(request, pk):
    report = selectors.report_for(request.user, pk)
    access.require(access.can_correct_report(request.user, report), "Only a programme manager.")
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = create_once(
                request,
                form,
                lambda: services.report_correct(
                    report=report, user=request.user, note=form.cleaned_data["note"]
                ),
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        except (services.ReportRefused, guard.LeakFound) as refused:
            form.add_error(None, str(refused))  # the note stays in the form
        else:
            if outcome is not None:
                messages.success(request, f"Version {outcome.obj.version} is published.")
                return redirect("report-detail", pk=outcome.obj.pk)
    return render(
        request,
        "reports/correct_form.html",
        {"report": report, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
def thematic_new(request):
    access.require(access.can_build_thematic(request.user), "Inspectorate staff only.")
    candidates = selectors.thematic_candidates(request.user)
    form = ThematicForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = create_once(
                request,
                form,
                lambda: services.thematic_build(
                    user=request.user,
                    inspections=list(form.cleaned_data["inspections"]),
                    title=form.cleaned_data["title"],
                ),
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        except (services.ReportRefused, guard.LeakFound) as refused:
            form.add_error(None, str(refused))
        else:
            if outcome is not None:
                messages.success(request, "The draft thematic report is built.")
                return redirect("report-detail", pk=outcome.obj.pk)
    return render(
        request,
        "reports/thematic_form.html",
        {"form": form, "has_candidates": candidates.exists()},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- open data ------------------------------------------------------------------------------


@require_safe
def open_data(request):
    return render(request, "reports/open_data.html", {"reports": selectors.published_reports()})


@require_safe
def results_csv(request):
    return HttpResponse(
        opendata.as_csv(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, "published-results.csv")},
    )


@require_safe
def results_json(request):
    return JsonResponse(
        opendata.as_json(),
        json_dumps_params={"ensure_ascii": False, "indent": 1},
        headers={"Content-Disposition": content_disposition_header(True, "published-results.json")},
    )


@require_safe
def results_dictionary(request):
    return render(
        request,
        "reports/results_dictionary.html",
        {
            "columns": opendata.COLUMNS,
            "json_fields": opendata.JSON_FIELDS,
            "markers": disclosure.MARKERS,
            "licence_url": opendata.LICENCE_URL,
        },
    )

"""REST endpoints for extracts and samples: the same selectors and services as the pages,
so the same rule (the inspection's team only; 404 for anyone else)."""

import functools
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.urls import reverse
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cpinspect.accounts import access
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.casefiles import precision, receiving, report, sampling, selectors, services
from cpinspect.casefiles.models import Allocation, Extract, Sample, SampledCase
from cpinspect.casefiles.profiles import builtin_names
from cpinspect.editing import api as editing

PROBLEMS_PER_PAGE, PROBLEMS_MAX_PAGE = 500, 1000


class ExtractSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Extract
        fields = [
            "id",
            "url",
            "profile",
            "status",
            "stage",
            "file_name",
            "file_format",
            "encoding",
            "delimiter",
            "started_at",
            "finished_at",
            "seconds",
            "rows_read",
            "rows_accepted",
            "rows_rejected",
            "rows_warned",
            "rows_out_of_scope",
            "problem_counts",
            "error",
            "frame_sha256",
            "superseded_by",
            "vault_destroyed_at",
            "summary",
        ]

    def get_url(self, obj):
        return reverse("api-casefiles-extract", args=[obj.inspection_id, obj.pk])

    def get_summary(self, obj):
        summary = getattr(obj, "summary", None) if hasattr(obj, "summary") else None
        if summary is None:
            return None
        return {
            "total": summary.total,
            "by_category": summary.by_category,
            "by_council": summary.by_council,
            "by_month": summary.by_month,
            "by_age_band": summary.by_age_band,
        }


class ExtractDetailSerializer(ExtractSerializer):
    """One import: its counts by kind of problem and out of scope, the columns kept and
    dropped, and where its report's rows are (``problems_url``, page by page)."""

    problems = serializers.SerializerMethodField()
    problems_url = serializers.SerializerMethodField()

    class Meta(ExtractSerializer.Meta):
        fields = [
            *ExtractSerializer.Meta.fields,
            "out_of_scope",
            "columns_kept",
            "columns_dropped",
            "problems",
            "problems_url",
        ]

    def get_problems(self, obj):
        return [
            {
                key: k[key]
                for key in (
                    "problem",
                    "label",
                    "field",
                    "column",
                    "severity",
                    "rows",
                    "first_line",
                    "expected",
                )
            }
            for k in report.kind_rows(obj)
        ]

    def get_problems_url(self, obj):
        return reverse("api-casefiles-extract-problems", args=[obj.inspection_id, obj.pk])


class CaseSerializer(serializers.ModelSerializer):
    replaced_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = SampledCase
        fields = [
            "id",
            "pseudonym",
            "stratum",
            "order",
            "is_reserve",
            "status",
            "unusable_reason",
            "replaced_by",
            "recorded_on",
            "child_age",
            "council_code",
        ]


class SampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sample
        fields = [
            "id",
            "extract",
            "drawn_at",
            "seed",
            "frame_sha256",
            "allocation_method",
            "design",
            "allocation",
            "reserves",
            "population",
            "excluded",
            "total_size",
            "software",
        ]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    profile = serializers.ChoiceField(choices=builtin_names(), default="canonical")
    accept_rejections = serializers.BooleanField(default=False)


class DrawSerializer(serializers.Serializer):
    size = serializers.IntegerField(required=False, min_value=1, max_value=5000)
    seed = serializers.IntegerField(required=False, min_value=0)
    method = serializers.ChoiceField(choices=Allocation.values, default="proportional")
    minimum = serializers.IntegerField(default=5, min_value=0)
    fixed = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False)
    exclude_older_than_months = serializers.IntegerField(required=False, min_value=1)
    redraw_reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


@api_view(["GET", "POST"])
@parser_classes([MultiPartParser, FormParser])
def _extracts(request, pk):
    """GET: the inspection's imports. POST (multipart: file, profile, accept_rejections):
    queue a file for import; 202 with the import, whose ``url`` to poll for its status."""
    inspection = selectors.case_inspection_for(request.user, pk)
    if request.method == "GET":
        rows = selectors.extracts_for(request.user, inspection).select_related("summary")
        return Response(ExtractSerializer(rows, many=True).data)
    form = UploadSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    try:
        outcome = editing.create_once(  # with an Idempotency-Key, a retry queues one import
            request,
            lambda: services.extract_queue(
                inspection=inspection,
                user=request.user,
                data=form.validated_data["file"],
                profile_name=form.validated_data["profile"],
                accept_rejections=form.validated_data["accept_rejections"],
                hold_for_confirmation=False,
                via="api",
                file_name=form.validated_data["file"].name,
            ),
        )
    except services.ImportRefused as refusal:
        return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
    response = Response(ExtractDetailSerializer(outcome.obj).data, status=status.HTTP_202_ACCEPTED)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@functools.wraps(_extracts)  # DRF's view as far as Django and the schema can tell
def extracts(request, pk):
    # The upload endpoint receives its file encrypted to disk as it arrives, as the page
    # does (``receiving``): over the size limit, 413 at once. The body is read ahead of DRF
    # only for a signed-in member of the inspection's team; for anyone else DRF refuses as
    # usual (and any body it reads goes the same way, deleted at the end of the request).
    try:
        if request.method == "POST":
            receiving.install(request, pk)
            if _may_upload(request.user, pk):
                receiving.receive(request, pk)
        return _extracts(request, pk)
    except receiving.UploadTooLarge as refusal:
        return JsonResponse({"detail": str(refusal)}, status=413)


def _may_upload(user, pk) -> bool:
    if not user.is_authenticated:
        return False
    try:
        inspection = selectors.case_inspection_for(user, pk)
    except Http404:
        return False
    return access.can_manage_case_data(user, inspection)


@api_view(["GET"])
def extract_detail(request, pk, extract_id):
    inspection = selectors.case_inspection_for(request.user, pk)
    extract = selectors.extract_for(request.user, inspection, extract_id)
    access_log_record(
        user=request.user, action=AccessAction.VIEW, obj=extract, inspection_id=pk, via="api"
    )
    return Response(ExtractDetailSerializer(extract).data)


@api_view(["GET"])
def extract_problems(request, pk, extract_id):
    """The rows of an import's validation report, a page at a time (``?page=``, and
    ``?problem=`` for one kind; ``?page_size=`` up to 1000)."""
    inspection = selectors.case_inspection_for(request.user, pk)
    extract = selectors.extract_for(request.user, inspection, extract_id)
    access_log_record(
        user=request.user, action=AccessAction.VIEW, obj=extract, inspection_id=pk, via="api"
    )
    try:
        size = min(
            max(int(request.query_params.get("page_size", PROBLEMS_PER_PAGE)), 1), PROBLEMS_MAX_PAGE
        )
    except ValueError:
        size = PROBLEMS_PER_PAGE
    page = selectors.problem_page(
        extract,
        problem=request.query_params.get("problem"),
        page=request.query_params.get("page"),
        per_page=size,
    )

    def link(number):
        query = {"page": number, "page_size": size}
        if page.problem:
            query["problem"] = page.problem
        return request.build_absolute_uri(request.path) + "?" + urlencode(query)

    rows = report.report_rows(extract, page.rows)
    keys = ("line", "field", "column", "problem", "label", "severity", "found", "expected")
    return Response(
        {
            "count": page.total,
            "page": page.number,
            "pages": page.pages,
            "problem": page.problem,
            "next": link(page.number + 1) if page.has_next else None,
            "previous": link(page.number - 1) if page.has_previous else None,
            "results": [{k: row[k] for k in keys} for row in rows],
        }
    )


@api_view(["GET", "POST"])
@parser_classes([JSONParser, FormParser])
def sample(request, pk):
    """GET: the sample with its cases and precision. POST: draw it from the latest import."""
    inspection = selectors.case_inspection_for(request.user, pk)
    if request.method == "POST":
        form = DrawSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        in_use = selectors.sample_for(request.user, inspection)
        current = (
            selectors.newer_import(request.user, inspection, in_use)
            if in_use
            else selectors.current_extract(request.user, inspection)
        )
        if current is None:
            detail = (
                "The inspection has a sample and no newer import to draw it again from."
                if in_use
                else "No imported extract."
            )
            return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
        design = sampling.Design(
            size=data.get("size"),
            method=data["method"],
            minimum=data["minimum"],
            fixed=data.get("fixed") or {},
            exclude_older_than_months=data.get("exclude_older_than_months"),
        )
        try:
            editing.create_once(
                request,
                lambda: services.sample_draw(
                    extract=current,
                    user=request.user,
                    design=design,
                    seed=data.get("seed"),
                    redraw_reason=data.get("redraw_reason", ""),
                ),
            )
        except (services.SampleRefused, ValueError) as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
    drawn = selectors.sample_for(request.user, inspection)
    if drawn is None:
        return Response({"detail": "No sample yet."}, status=status.HTTP_404_NOT_FOUND)
    access_log_record(
        user=request.user, action=AccessAction.VIEW, obj=drawn, inspection_id=pk, via="api"
    )
    body = SampleSerializer(drawn).data
    body["cases"] = CaseSerializer(selectors.sampled_cases(request.user, drawn), many=True).data
    body["precision"] = precision.table(drawn.allocation, drawn.population)
    return Response(body, status=201 if request.method == "POST" else 200)


@api_view(["POST"])
def case_reveal(request, pk, case_id):
    """The force's own reference of a sampled case or reserve (access-logged)."""
    inspection = selectors.case_inspection_for(request.user, pk)
    case = selectors.sampled_case_for(request.user, inspection, case_id)
    try:
        reference = services.sampled_case_reveal(case=case, user=request.user, via="api")
    except PermissionDenied:
        return Response(status=status.HTTP_404_NOT_FOUND)
    return Response({"id": case.pk, "pseudonym": case.pseudonym, "force_reference": reference})


@api_view(["POST"])
@parser_classes([JSONParser, FormParser])
def case_unusable(request, pk, case_id):
    inspection = selectors.case_inspection_for(request.user, pk)
    case = selectors.sampled_case_for(request.user, inspection, case_id)
    try:
        reserve = services.sampled_case_mark_unusable(
            case=case, user=request.user, reason=str(request.data.get("reason", ""))
        )
    except services.SampleRefused as refusal:
        return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
    return Response({"id": case.pk, "replaced_by": reserve.pk if reserve else None})

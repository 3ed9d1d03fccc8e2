"""Read-only API of published reports: the list, and one version's published results (the
same snapshot values as the page, the PDF and the open data). Public, like the reports."""

from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from cpinspect.reports import opendata, selectors


@api_view(["GET"])
@permission_classes([AllowAny])
def reports(request):
    """The current published version of every report."""
    return Response([opendata.report_meta(r) for r in selectors.published_reports_with_data()])


@api_view(["GET"])
@permission_classes([AllowAny])
def report(request, pk):
    """One published (or superseded) version with its results by theme and grade."""
    found = selectors.published_version(pk)
    body = opendata.report_json(found)
    body["status"] = found.status
    return Response(body)

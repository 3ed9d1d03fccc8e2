"""A report that fails its integrity check (``integrity.ReportTampered``) is answered with a
503 that shows none of it, on every page, download and API route that serves reports."""

from django.http import JsonResponse
from django.shortcuts import render

from cpinspect.reports.integrity import ReportTampered

WITHHELD = (
    "This report cannot be shown: it does not match what was published, so it is withheld "
    "until the service team has checked it. They have been told."
)


class TamperedReportMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ReportTampered):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": WITHHELD}, status=503)
        return render(request, "reports/withheld.html", status=503)

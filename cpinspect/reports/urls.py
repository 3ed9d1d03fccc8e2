"""Report pages and the open data, mounted at the site's root."""

from django.urls import path

from cpinspect.reports import views

urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/thematic/new/", views.thematic_new, name="report-thematic-new"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report-pdf"),
    path("reports/<int:pk>/comments/", views.report_comment, name="report-comment"),
    path(
        "reports/<int:pk>/comments/<int:comment_pk>/respond/",
        views.report_comment_respond,
        name="report-comment-respond",
    ),
    path("reports/<int:pk>/send/", views.report_send, name="report-send"),
    path("reports/<int:pk>/publish/", views.report_publish, name="report-publish"),
    path("reports/<int:pk>/correct/", views.report_correct, name="report-correct"),
    path("inspections/<int:pk>/report/", views.inspection_report, name="inspection-report"),
    path("inspections/<int:pk>/report/build/", views.report_build, name="report-build"),
    path("open-data/", views.open_data, name="open-data"),
    path("open-data/results.csv", views.results_csv, name="open-data-results-csv"),
    path("open-data/results.json", views.results_json, name="open-data-results-json"),
    path(
        "open-data/results-dictionary/",
        views.results_dictionary,
        name="open-data-results-dictionary",
    ),
]

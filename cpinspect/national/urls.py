"""National picture pages and open data, mounted at /national/. All public."""

from django.urls import path

from cpinspect.national import views

urlpatterns = [
    path("national/", views.national_picture, name="national-picture"),
    path("national/report.pdf", views.national_report_pdf, name="national-report-pdf"),
    path("national/data.csv", views.data_csv, name="national-data-csv"),
    path("national/data.json", views.data_json, name="national-data-json"),
    path("national/data-dictionary/", views.data_dictionary, name="national-data-dictionary"),
]

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cpinspect.reports"
    verbose_name = "Results and reports"

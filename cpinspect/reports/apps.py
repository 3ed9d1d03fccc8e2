from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cpinspect.reports"
    verbose_name = "Results and reports"

    def ready(self):
        from cpinspect.reports import signals  # noqa: F401  (keeps reports with the lifecycle)

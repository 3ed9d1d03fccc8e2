from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "cpinspect.findings"
    verbose_name = "Findings, judgements and reports"

    def ready(self):
        from cpinspect.findings import signals  # noqa: F401  (connects the publication hook)

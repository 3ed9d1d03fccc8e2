from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "cpinspect.findings"
    verbose_name = "Findings, judgements and reports"

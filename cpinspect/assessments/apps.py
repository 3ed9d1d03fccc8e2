from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "cpinspect.assessments"
    verbose_name = "Case-file audit and moderation"

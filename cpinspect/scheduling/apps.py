from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "cpinspect.scheduling"
    verbose_name = "Programme planning and scheduling"

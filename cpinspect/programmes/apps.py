from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "cpinspect.programmes"
    verbose_name = "Programmes and inspections"

from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "cpinspect.programmes"
    verbose_name = "Programmes and inspections"

    def ready(self):
        from cpinspect.programmes import readiness

        readiness.autodiscover()  # every app's readiness checks (ADR 0021)

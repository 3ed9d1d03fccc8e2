from django.apps import AppConfig


class EditingConfig(AppConfig):
    name = "cpinspect.editing"
    verbose_name = "Safe editing"

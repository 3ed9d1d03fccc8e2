from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "cpinspect.registry"
    verbose_name = "Reference data"

from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "cpinspect.national"
    verbose_name = "National picture"

from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "cpinspect.backups"
    verbose_name = "Backups"

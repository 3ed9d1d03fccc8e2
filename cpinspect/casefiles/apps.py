from django.apps import AppConfig


class CasefilesConfig(AppConfig):
    name = "cpinspect.casefiles"
    verbose_name = "Case extracts and samples"

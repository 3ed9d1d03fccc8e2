from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cpinspect.accounts"
    verbose_name = "People and access"

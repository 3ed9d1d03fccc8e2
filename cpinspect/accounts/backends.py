from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Sign in by e-mail (case-insensitive); demo accounts only while the demo setting is on."""

    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not settings.CPINSPECT_DEMO:
            return False
        return super().user_can_authenticate(user)

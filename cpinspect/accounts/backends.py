from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Sign in by e-mail (case-insensitive); demo accounts only while the demo setting is on."""

    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not settings.CPINSPECT_DEMO:
            return False
        if getattr(user, "has_expired", False):
            return False  # also ends an expired person's open session: get_user asks this too
        return super().user_can_authenticate(user)


def normalised_username(request, credentials):
    """The address django-axes counts failures against: lower case, as sign-in matches it."""
    source = credentials if credentials else getattr(request, "POST", {})
    return (source.get("username") or "").strip().lower() or None

"""API routes of this app, mounted under /api/ by cpinspect.api.urls."""

urlpatterns: list = []

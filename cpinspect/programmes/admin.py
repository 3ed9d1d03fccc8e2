from django.contrib import admin

from cpinspect.editing.admin import VersionedAdmin
from cpinspect.programmes.models import Programme


@admin.register(Programme)
class ProgrammeAdmin(VersionedAdmin):
    """Programmes are planned here; inspections change only through their lifecycle pages."""

    list_display = ["name", "starts_on", "ends_on"]

"""Administrators keep inspectors' planning profiles and absences (programme managers also
record absences on the planning pages). Plans are read on the planning pages, never edited."""

from django.contrib import admin

from cpinspect.editing.admin import VersionedAdmin
from cpinspect.scheduling.models import Absence, InspectorProfile


@admin.register(InspectorProfile)
class InspectorProfileAdmin(VersionedAdmin):
    list_display = ["user", "home_region", "part_time_fraction", "specialisms"]
    list_filter = ["home_region"]
    search_fields = ["user__full_name", "user__email"]
    filter_horizontal = ["forces_served"]
    autocomplete_fields = ["user"]


@admin.register(Absence)
class AbsenceAdmin(VersionedAdmin):
    list_display = ["user", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["user__full_name"]
    date_hierarchy = "starts_on"

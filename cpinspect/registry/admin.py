"""Reference data is edited here by administrators.

``cpinspect load_reference_data`` brings rows that are in the source files back into line with
those files, so a lasting correction belongs in the files (``registry/data``) as well.
"""

from django.contrib import admin

from cpinspect.editing.admin import VersionedAdmin
from cpinspect.registry.models import (
    Council,
    Force,
    Inspectorate,
    NationalGradeTotal,
    PublishedGrade,
)


@admin.register(Inspectorate)
class InspectorateAdmin(VersionedAdmin):
    list_display = ["name", "short_name", "code", "is_lead", "left_joint_programme_on"]
    list_filter = ["is_lead"]
    search_fields = ["name", "short_name", "code"]


class CouncilInline(admin.TabularInline):
    model = Council
    fields = ["code", "name", "country"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # councils are added on their own page, where the force is chosen


@admin.register(Force)
class ForceAdmin(VersionedAdmin):
    list_display = ["name", "code", "country"]
    list_filter = ["country"]
    search_fields = ["name", "code"]
    inlines = [CouncilInline]


@admin.register(Council)
class CouncilAdmin(VersionedAdmin):
    list_display = ["name", "code", "country", "force"]
    list_filter = ["country", "force"]
    list_select_related = ["force"]
    search_fields = ["name", "name_welsh", "code", "force__name"]
    autocomplete_fields = ["force"]


@admin.register(PublishedGrade)
class PublishedGradeAdmin(VersionedAdmin):
    list_display = ["force", "assessment", "question", "grade", "stated_as", "published_on"]
    list_filter = ["year", "assessment", "grade", "scale", "stated_as"]
    list_select_related = ["force"]
    search_fields = ["force__name", "force__code", "assessment", "question", "source"]
    autocomplete_fields = ["force"]


@admin.register(NationalGradeTotal)
class NationalGradeTotalAdmin(VersionedAdmin):
    list_display = ["assessment", "question", "grade", "forces", "year"]
    list_filter = ["year", "assessment", "scale", "grade"]
    search_fields = ["assessment", "question", "source"]

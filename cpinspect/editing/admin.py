"""The Django admin's change pages refuse a stale save too (ADR 0020).

``VersionedAdmin`` adds a hidden ``seen_version`` to the change form; on saving, the form
locks the stored row (the admin saves in one transaction) and, if its version moved on,
refuses with who changed what, keeping what the administrator typed. Saving again, having
seen theirs, replaces it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError

from cpinspect.editing import versions

SEEN = "seen_version"


def _with_version(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    class VersionedForm(form_class):
        seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.pk is not None:
                self.fields[SEEN].initial = self.instance.version

        def clean(self):
            data = super().clean()
            if self.instance.pk is None:
                return data
            model = type(self.instance)
            yours = {
                name: value
                for name, value in data.items()
                if name != SEEN and name not in model.version_ignores and _is_column(model, name)
            }
            try:
                versions.locked_for_edit(
                    model, self.instance.pk, version=data.get(SEEN), yours=yours
                )
            except versions.StaleEdit as stale:
                self.data = self.data.copy()
                if stale.current is not None:
                    self.data[SEEN] = stale.current.version
                raise ValidationError(
                    [stale.summary]
                    + [f"{c.label}: theirs “{c.theirs}”, yours “{c.yours}”." for c in stale.changes]
                    + ["Your values are kept below: save again to replace theirs."]
                ) from None
            return data

    VersionedForm.__name__ = form_class.__name__
    return VersionedForm


def _is_column(model, name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except Exception:  # a form-only field (a password, say)
        return False
    return getattr(field, "concrete", False) and not field.many_to_many


class VersionedAdmin(admin.ModelAdmin):
    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = _with_version(kwargs.get("form", self.form))
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and SEEN not in flatten_fieldsets(fieldsets):
            fieldsets.append((None, {"fields": [SEEN], "classes": ["hidden"]}))
        return fieldsets

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AdminPasswordChangeForm, ReadOnlyPasswordHashField
from django.contrib.auth.password_validation import validate_password

from cpinspect.accounts.models import User
from cpinspect.editing.admin import VersionedAdmin


class UserCreationForm(forms.ModelForm):
    password = forms.CharField(widget=forms.PasswordInput, help_text="At least 12 characters.")

    class Meta:
        model = User
        fields = ["email", "full_name", "role", "inspectorate", "force", "is_active"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password

    def save(self, commit=True):
        user = super().save(commit=False)
        user.email = user.email.lower()
        user.set_password(self.cleaned_data["password"])
        if commit:
            user.save()
        return user


class UserChangeForm(forms.ModelForm):
    password = ReadOnlyPasswordHashField()

    class Meta:
        model = User
        fields = ["email", "full_name", "role", "inspectorate", "force", "is_active", "password"]


@admin.register(User)
class UserAdmin(VersionedAdmin):
    list_display = ["full_name", "email", "role", "inspectorate", "force", "is_active", "is_demo"]
    list_filter = ["role", "is_active", "is_demo", "inspectorate"]
    search_fields = ["full_name", "email"]
    change_password_form = AdminPasswordChangeForm
    readonly_fields = ["is_demo", "last_login", "date_joined"]

    @staticmethod
    def _form_for(obj):
        return UserCreationForm if obj is None else UserChangeForm

    # People are never deleted (their history must stay whole): deactivate them instead.
    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = self._form_for(obj)
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        # from the form class itself: ModelAdmin.get_form asks get_fields for its fields, so
        # calling get_form here recursed without end (the add and change pages crashed)
        fields = list(self._form_for(obj).base_fields)
        return fields + (self.readonly_fields if obj else [])

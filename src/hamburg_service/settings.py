"""Django settings, all read from the environment (see docs/configuration.md)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# `development` (the default: `make run`, tests) or `production` (gunicorn, see docs/deploy.md).
ENVIRONMENT = os.environ.get("ENVIRONMENT", "development").strip().lower()
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("ENVIRONMENT must be 'development' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)
# With DEBUG, an unknown address still gets the real 404 page; this asks for Django's technical
# one (the URL patterns tried) instead.
DEBUG_TECHNICAL_404 = env_bool("DEBUG_TECHNICAL_404", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; for local runs generated once and kept under var/."""
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# A form sent without its token gets our 403 page (the API its problem), not Django's.
CSRF_FAILURE_VIEW = "hamburg_service.core.error_pages.csrf_failure"

INSTALLED_APPS = [
    "hamburg_service.accounts.admin_apps.HamburgAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "hamburg_service.core",
    "hamburg_service.catalog",
    "hamburg_service.accounts",
    "hamburg_service.notifications",
    "hamburg_service.files",
    "hamburg_service.people",
    "hamburg_service.feedback",
    "hamburg_service.appointments",
    "hamburg_service.visits",
    "hamburg_service.cases",
    "hamburg_service.forms",
    "hamburg_service.portal",
    "hamburg_service.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hamburg_service.core.middleware.LanguageChoiceMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "hamburg_service.core.middleware.ApiLanguageMiddleware",
    "hamburg_service.core.middleware.RefuseControlCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hamburg_service.core.middleware.SecurityHeadersMiddleware",
    # Our 404 page also with DEBUG (inside Common and Locale: their redirects of a 404 stay).
    "hamburg_service.core.middleware.ErrorPagesMiddleware",
    "hamburg_service.core.pages.AppErrorMiddleware",
    # Must stay last: it locks out after repeated failed sign-ins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hamburg_service.urls"
WSGI_APPLICATION = "hamburg_service.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide overrides (the admin header) come before the apps' templates.
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hamburg_service.web.context.site",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hamburg.sqlite3'}")
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))
_db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["CONN_MAX_AGE"] = 0 if CONN_MAX_AGE == 0 else CONN_MAX_AGE
    _db["OPTIONS"] = {
        # Writers take the lock when the transaction starts, so two bookings never deadlock.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # mmap: pages are read from the shared OS cache, not copied into each connection's
        # 2 MB cache (a register of 1.9 million people is 1.5 GB; capped by SQLite at ~2 GB).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA mmap_size=2147483648;"
        ),
    }
    # A file (not memory) so tests can race real connections; one per test process.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    _db["CONN_HEALTH_CHECKS"] = True
    # One test database per test process, so parallel runs on one server never meet.
    _db["TEST"] = {"NAME": f"test_{_db['NAME']}_{os.getpid()}"}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "hamburg_service.accounts.access.RoleBackend",
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "web:home"

# Brute-force protection for staff sign-in (django-axes); the counters live in the database.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_SENSITIVE_PARAMETERS = ["password"]
# The same client address as the rate limits (behind TRUSTED_PROXIES load balancers).
AXES_CLIENT_IP_CALLABLE = "hamburg_service.core.ratelimit.client_address"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Django's default storage: nothing uses or serves it. Uploads have their own, below.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# --- Uploads (docs/uploads.md): checked by content, kept outside the web root and served only
# through the app that owns them. A directory by default; object storage by naming another
# backend (django-storages' S3Storage, say) and its options as JSON.
UPLOADS_ROOT = Path(os.environ.get("UPLOADS_ROOT", VAR_DIR / "uploads"))
STORAGES["uploads"] = {
    "BACKEND": os.environ.get(
        "UPLOADS_STORAGE_BACKEND", "hamburg_service.files.storage.PrivateFileSystemStorage"
    ),
    "OPTIONS": json.loads(os.environ.get("UPLOADS_STORAGE_OPTIONS", "null"))
    or {
        "location": UPLOADS_ROOT,
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))  # one file
UPLOAD_MAX_FILES = int(os.environ.get("UPLOAD_MAX_FILES", "10"))  # one question
UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", str(50_000_000)))  # one image
# Files accepted but never sent with their form are deleted after this many hours.
UPLOAD_STAGED_HOURS = int(os.environ.get("UPLOAD_STAGED_HOURS", "24"))
# Larger uploads are streamed to a temporary file, not held in memory; all files of one
# request together are bounded by the reverse proxy (docs/deploy.md), their count here.
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", str(2621440)))
DATA_UPLOAD_MAX_NUMBER_FILES = int(os.environ.get("DATA_UPLOAD_MAX_NUMBER_FILES", "50"))
# --- end of uploads ---
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "hamburg_service.core.mail.ConsoleAndFileBackend"
    if not PRODUCTION
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Hamburg Service <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: strict in production, relaxed for local http.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
X_FRAME_OPTIONS = "DENY"

# The largest request body (form or JSON) read into memory; larger ones answer 413 (API) or
# 400 (pages). Files are not counted here: they are streamed to disk with limits of their own.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("REQUEST_BODY_MAX_BYTES", str(1024 * 1024)))

# Catalogue limits.
OPENING_HOURS_MAX_DAYS = int(os.environ.get("OPENING_HOURS_MAX_DAYS", "400"))

# Background work: Django's Tasks API (django-tasks backport) with a database-backed queue; a
# worker process runs `manage.py db_worker` (docs/deploy.md).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# Outbox delivery: tries per message (30 s, 1, 2, 4 … minutes apart) before it is marked failed.
MESSAGE_MAX_ATTEMPTS = int(os.environ.get("MESSAGE_MAX_ATTEMPTS", "8"))

# The shared cache: Redis in production (rate-limit counts must be shared by all processes),
# this process's memory for local runs and tests.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
RATE_LIMIT_SEARCH = os.environ.get("RATE_LIMIT_SEARCH", "120/m")
RATE_LIMIT_BOOKING = os.environ.get("RATE_LIMIT_BOOKING", "10/h")
# Tickets and check-ins at one location's ticket machines together, a second line behind
# the device key.
RATE_LIMIT_KIOSK_LOCATION = os.environ.get("RATE_LIMIT_KIOSK_LOCATION", "30/m")
# Check-ins per ticket machine: a queue at opening, not a search through references.
RATE_LIMIT_CHECK_IN = os.environ.get("RATE_LIMIT_CHECK_IN", "40/10m")
# How many proxies (load balancer, reverse proxy) in front of the application add to
# X-Forwarded-For; 0 = clients connect directly (docs/deploy.md).
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
# Production must say it, even when it is 0: a forgotten setting behind a load balancer would
# give every client the balancer's address (core/checks.py).
TRUSTED_PROXIES_SET = "TRUSTED_PROXIES" in os.environ
SILENCED_SYSTEM_CHECKS: list[str] = []

# Proof-of-work captcha on public booking (ALTCHA); switched off for load tests.
CAPTCHA_ENABLED = env_bool("CAPTCHA_ENABLED", True)
CAPTCHA_MAX_NUMBER = int(os.environ.get("CAPTCHA_MAX_NUMBER", "100000"))
CAPTCHA_EXPIRES_MINUTES = int(os.environ.get("CAPTCHA_EXPIRES_MINUTES", "20"))

# Appointments (docs/configuration.md).
APPOINTMENT_SLOT_MINUTES = int(os.environ.get("APPOINTMENT_SLOT_MINUTES", "10"))
BOOKING_WINDOW_DAYS = {
    "residents": (
        int(os.environ.get("BOOKING_MIN_DAYS_RESIDENTS", "1")),
        int(os.environ.get("BOOKING_MAX_DAYS_RESIDENTS", "180")),
    ),
    "immigration": (
        int(os.environ.get("BOOKING_MIN_DAYS_IMMIGRATION", "1")),
        int(os.environ.get("BOOKING_MAX_DAYS_IMMIGRATION", "180")),
    ),
}
# Shares of a location-day's counter capacity: kept for walk-ins, and usable only by staff
# booking for a caller. The rest is bookable online.
WALK_IN_SHARE = float(os.environ.get("WALK_IN_SHARE", "0.2"))
STAFF_SHARE = float(os.environ.get("STAFF_SHARE", "0.1"))
BOOKING_CONFIRM_BY_EMAIL = env_bool("BOOKING_CONFIRM_BY_EMAIL", True)
BOOKING_HOLD_MINUTES = int(os.environ.get("BOOKING_HOLD_MINUTES", "15"))
MAX_ACTIVE_PER_PERSON_AND_SERVICE = int(os.environ.get("MAX_ACTIVE_PER_PERSON_AND_SERVICE", "1"))
MAX_BOOKINGS_PER_EMAIL_30_DAYS = int(os.environ.get("MAX_BOOKINGS_PER_EMAIL_30_DAYS", "5"))
# Cancelled seats are offered to the waitlist first and released to everyone after this delay.
CANCEL_RELEASE_MINUTES = int(os.environ.get("CANCEL_RELEASE_MINUTES", "30"))
WAITLIST_HOLD_HOURS = int(os.environ.get("WAITLIST_HOLD_HOURS", "24"))
# A waitlist request lapses unless its address's owner confirms it within this time.
WAITLIST_CONFIRM_HOURS = int(os.environ.get("WAITLIST_CONFIRM_HOURS", "24"))
WAITLIST_MAX_DAYS = int(os.environ.get("WAITLIST_MAX_DAYS", "90"))
WAITLIST_OFFERS_PER_SWEEP = int(os.environ.get("WAITLIST_OFFERS_PER_SWEEP", "200"))
# On-site visits (docs/visits.md).
WALK_IN_DAILY_QUOTA = int(os.environ.get("WALK_IN_DAILY_QUOTA", "150"))
CHECK_IN_EARLY_MINUTES = int(os.environ.get("CHECK_IN_EARLY_MINUTES", "60"))
APPOINTMENT_GRACE_MINUTES = int(os.environ.get("APPOINTMENT_GRACE_MINUTES", "10"))
APPOINTMENT_LATE_MINUTES = int(os.environ.get("APPOINTMENT_LATE_MINUTES", "15"))
# Walk-ins for these services (comma-separated slugs) go before others, like those who need help.
PRIORITY_SERVICES = env_list("PRIORITY_SERVICES", "")
NO_SHOW_AFTER_CALLS = int(os.environ.get("NO_SHOW_AFTER_CALLS", "3"))
# How often a call display asks for new calls (milliseconds): the delay of a number on screen.
CALL_DISPLAY_POLL_MS = max(200, int(os.environ.get("CALL_DISPLAY_POLL_MS", "1000")))
# How long a finished call stays on the call display as an earlier call (0 = not at all).
CALL_DISPLAY_KEEP_MINUTES = max(0, int(os.environ.get("CALL_DISPLAY_KEEP_MINUTES", "5")))
CALL_NOTICE_MINUTES = int(os.environ.get("CALL_NOTICE_MINUTES", "10"))
REMINDER_HOURS_BEFORE = int(os.environ.get("REMINDER_HOURS_BEFORE", "48"))
# Public booking pauses for a person with this many no-shows in the last 12 months (0 = never).
NO_SHOW_LIMIT = int(os.environ.get("NO_SHOW_LIMIT", "2"))
AVAILABILITY_MAX_RESULTS = int(os.environ.get("AVAILABILITY_MAX_RESULTS", "50"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# When the scheduler closes the day's open tickets and signs clerks out (Berlin time).
END_OF_DAY_AT = os.environ.get("END_OF_DAY_AT", "22:00")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Retention (docs/people.md "Retention"): what is blanked or deleted when ---
APPOINTMENT_PERSONAL_DATA_DAYS = int(os.environ.get("APPOINTMENT_PERSONAL_DATA_DAYS", "90"))
TICKET_PERSONAL_DATA_DAYS = int(os.environ.get("TICKET_PERSONAL_DATA_DAYS", "90"))
MESSAGE_RETENTION_DAYS = int(os.environ.get("MESSAGE_RETENTION_DAYS", "30"))
PEOPLE_RETENTION_YEARS = int(os.environ.get("PEOPLE_RETENTION_YEARS", "5"))

# --- The person record (docs/people.md) ---
# Information blocks (§ 51 BMG): the central registration office is told this many days
# before one ends, at this address (empty: not mailed; the office's list shows them anyway).
BLOCK_REMIND_DAYS = int(os.environ.get("BLOCK_REMIND_DAYS", "42"))
CENTRAL_REGISTRATION_EMAIL = os.environ.get("CENTRAL_REGISTRATION_EMAIL", "")
# "Who read my data": how long the mailed link works, and the purposes whose reads are not
# told (bodies exempt by law, e.g. security authorities' requests: person_authority).
MY_DATA_LINK_HOURS = int(os.environ.get("MY_DATA_LINK_HOURS", "24"))
MY_DATA_HELD_BACK = env_list("MY_DATA_HELD_BACK", "")
# Registration certificates (Meldebescheinigung): checks on the public page /verify/ per client
# address, and by number and code per certificate number (a guessed code meets this first).
CERTIFICATE_VERIFY_RATE = os.environ.get("CERTIFICATE_VERIFY_RATE", "30/10m")
CERTIFICATE_VERIFY_NUMBER_RATE = os.environ.get("CERTIFICATE_VERIFY_NUMBER_RATE", "10/h")
# Register information (einfache Melderegisterauskunft, § 44 BMG): the fee recorded as due for
# every answered request (cents; 1000 = €10.00), and the requests per client address.
REGISTER_INFORMATION_FEE_CENTS = int(os.environ.get("REGISTER_INFORMATION_FEE_CENTS", "1000"))
RATE_LIMIT_REGISTER_INFORMATION = os.environ.get("RATE_LIMIT_REGISTER_INFORMATION", "20/h")

# --- Documents: the city's signing keys (docs/documents.md, core/signing.py, core/pdf.py) ---
# Outside the web root. In development and tests a missing key is created on first use (mode
# 600); production never creates one: they are provided (`manage.py keys_create` on the key
# host, or the city's PKI) and `check --deploy` fails without them.
KEYS_DIR = Path(os.environ.get("KEYS_DIR", VAR_DIR / "keys"))
# Ed25519 private key (PEM, PKCS#8) that signs the payloads of QR codes.
SIGNING_KEY_FILE = Path(os.environ.get("SIGNING_KEY_FILE", KEYS_DIR / "qr-ed25519.pem"))
# Earlier QR public keys (PEM blocks, one after the other): their codes still verify.
SIGNING_PREVIOUS_KEYS_FILE = Path(
    os.environ.get("SIGNING_PREVIOUS_KEYS_FILE", KEYS_DIR / "qr-ed25519-previous.pem")
)
# ECDSA P-256 key and X.509 certificate that sign PDFs (PAdES), and earlier certificates.
DOCUMENT_SIGNING_KEY_FILE = Path(
    os.environ.get("DOCUMENT_SIGNING_KEY_FILE", KEYS_DIR / "document-signing-key.pem")
)
DOCUMENT_SIGNING_CERT_FILE = Path(
    os.environ.get("DOCUMENT_SIGNING_CERT_FILE", KEYS_DIR / "document-signing-cert.pem")
)
DOCUMENT_PREVIOUS_CERTS_FILE = Path(
    os.environ.get("DOCUMENT_PREVIOUS_CERTS_FILE", KEYS_DIR / "document-signing-previous.pem")
)
# --- end of documents ---

# --- Cases: document requests and appointments from a case (docs/cases.md) ---
# The reminder of an unanswered document request goes this many days before its deadline.
CASE_REQUEST_REMIND_DAYS = int(os.environ.get("CASE_REQUEST_REMIND_DAYS", "3"))
# The applicant's uploads are kept this many months after the case is closed.
CASE_FILES_KEEP_MONTHS = int(os.environ.get("CASE_FILES_KEEP_MONTHS", "6"))
# Requests per client address to the applicant's link pages (upload, choose an appointment).
RATE_LIMIT_CASE_LINKS = os.environ.get("RATE_LIMIT_CASE_LINKS", "60/h")
# Tries at the applicant's status page: per client address, and per case reference.
CASE_STATUS_RATE = os.environ.get("CASE_STATUS_RATE", "30/10m")
CASE_STATUS_REFERENCE_RATE = os.environ.get("CASE_STATUS_REFERENCE_RATE", "10/h")
# --- end of cases ---

# --- Citizen sign-in for "my account" (docs/citizen-sign-in.md) ---
# The e-mail link: how long it works, and how many may be asked for one address per hour.
CITIZEN_SIGNIN_LINK_MINUTES = int(os.environ.get("CITIZEN_SIGNIN_LINK_MINUTES", "15"))
CITIZEN_SIGNIN_LINKS_PER_HOUR = int(os.environ.get("CITIZEN_SIGNIN_LINKS_PER_HOUR", "5"))
# Requests for a sign-in link per client address.
RATE_LIMIT_CITIZEN_SIGNIN = os.environ.get("RATE_LIMIT_CITIZEN_SIGNIN", "20/h")
# OpenID Connect (BundID / DeutschlandID through the city's gateway, Keycloak, …): switched off
# (no button) unless issuer and client id are set. The issuer is the base of its discovery
# document (ISSUER + "/.well-known/openid-configuration").
CITIZEN_OIDC_ISSUER = os.environ.get("CITIZEN_OIDC_ISSUER", "").rstrip("/")
CITIZEN_OIDC_CLIENT_ID = os.environ.get("CITIZEN_OIDC_CLIENT_ID", "")
CITIZEN_OIDC_CLIENT_SECRET = os.environ.get("CITIZEN_OIDC_CLIENT_SECRET", "")
CITIZEN_OIDC_NAME = os.environ.get("CITIZEN_OIDC_NAME", "BundID")  # the button's label
# Whether the provider's verified e-mail address may open the account that signs in with the
# same address by e-mail link. Only for a provider that really checks addresses: otherwise
# anyone could claim another person's address there and get their account.
CITIZEN_OIDC_TRUST_EMAIL = env_bool("CITIZEN_OIDC_TRUST_EMAIL", False)
CITIZEN_OIDC_SCOPES = os.environ.get("CITIZEN_OIDC_SCOPES", "openid email profile")
# The provider's `acr` values and the trust level each means (JSON); anything else is basic.
CITIZEN_OIDC_ACR: dict[str, str] = json.loads(
    os.environ.get(
        "CITIZEN_OIDC_ACR",
        '{"STORK-QAA-Level-1": "basic", "STORK-QAA-Level-2": "basic", '
        '"STORK-QAA-Level-3": "substantial", "STORK-QAA-Level-4": "high", '
        '"http://eidas.europa.eu/LoA/low": "basic", '
        '"http://eidas.europa.eu/LoA/substantial": "substantial", '
        '"http://eidas.europa.eu/LoA/high": "high"}',
    )
)
# --- end of citizen sign-in ---

# --- Online services: submissions and hand-offs (docs/online-services.md) ---
# The fee of a dog registration in the Hamburg dog register, recorded on its case.
DOG_REGISTRATION_FEE_CENTS = int(os.environ.get("DOG_REGISTRATION_FEE_CENTS", "1000"))
# Hand-offs to outside systems: attempts before one is shown to staff as failed, and the key
# of the webhooks' HMAC-SHA256 signature (header X-Hamburg-Signature; the receiver knows it).
FORMS_HANDOFF_MAX_ATTEMPTS = int(os.environ.get("FORMS_HANDOFF_MAX_ATTEMPTS", "6"))
FORMS_WEBHOOK_SECRET = os.environ.get("FORMS_WEBHOOK_SECRET", "")
# Drafts expired (answers cleared) are deleted with their events after these many days.
FORMS_EXPIRED_DRAFTS_KEEP_DAYS = int(os.environ.get("FORMS_EXPIRED_DRAFTS_KEEP_DAYS", "30"))
# --- end of online services: submissions ---

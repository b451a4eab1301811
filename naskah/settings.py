"""Naskah settings, read from the environment (prefix NASKAH_, plus DATABASE_URL and REDIS_URL).

Every variable is listed in README.md. A bad value fails at start-up with a message naming it.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")


def _bool(name: str, *, default: bool) -> bool:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def _int(name: str, *, default: int) -> int:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def _float(name: str, *, default: float) -> float:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number of seconds.")
    return value


DEBUG = _bool("NASKAH_DEBUG", default=False)

SECRET_KEY = env.str("NASKAH_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "NASKAH_SECRET_KEY is required when NASKAH_DEBUG is off. "
            "Set it to a long random string, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = "naskah-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list(
    "NASKAH_ALLOWED_HOSTS",
    default=[".localhost", "localhost", "127.0.0.1", "[::1]"] if DEBUG else [],
)
CSRF_TRUSTED_ORIGINS = env.list("NASKAH_CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "naskah.errors.csrf_failure"  # branded, in the request's language

# Tenant used when a request's host matches no TenantDomain (single-city deployments).
NASKAH_DEFAULT_TENANT = env.str("NASKAH_DEFAULT_TENANT", default="")

INSTALLED_APPS = [
    "daphne",  # first, so that `runserver` serves ASGI
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "guardian",
    "treebeard",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "organizations",
    "workflows",
    "ops",
    "notifications",
    "archive",
    "scheduling",
    "correspondence",
    "accounts",
    "reports",
    "intake",
    "federation",
    "offline",
    "bench",  # the benchmark data generators (commands only, no models)
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.PageGZipMiddleware",  # pages compressed (light pages on slow links)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SessionRefreshMiddleware",
    "core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.offline.OfflineHeadersMiddleware",  # what the service worker may keep (core/offline.py)
    "django_otp.middleware.OTPMiddleware",
    "organizations.middleware.TenantMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the "locked" page
    "core.middleware.StorageFullMiddleware",  # a full disk: 507, "nothing was saved"
]

ROOT_URLCONF = "naskah.urls"
WSGI_APPLICATION = "naskah.wsgi.application"
ASGI_APPLICATION = "naskah.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.tenant",
                "correspondence.context_processors.outage",
                "naskah.menu.menu",
            ],
            "libraries": {"navigation": "core.navigation"},
        },
    },
]

VAR_DIR = Path(env.str("NASKAH_VAR_DIR", default=str(BASE_DIR / "var")))

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'naskah.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The embedded default serves web requests and a worker at once: WAL plus
    # IMMEDIATE transactions keep them from tripping over each other's locks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # Short queries over large tables: PostgreSQL's JIT compiles them for 100-300 ms when
    # their estimated cost is high (a count over a busy unit inbox) and then saves little.
    # Parallel workers: two cores serve many requests at once, and a worker process started
    # for one query takes the core another request is waiting for. Without them the count over
    # a busy unit inbox also plans the way its hand-written SQL does (12 ms, not 15-17 ms).
    parallel = _int("NASKAH_DB_PARALLEL_WORKERS", default=0)
    options["options"] = f"-c jit=off -c max_parallel_workers_per_gather={parallel}"
    # Server-side binding lets psycopg prepare a statement a connection has run five times:
    # PostgreSQL then stops planning it again. The letter page's queries (ten joins, Exists
    # under OR) spent 5-7 ms each planning for 0.5 ms of execution.
    if env.bool("NASKAH_DB_PREPARE", default=True):
        options["server_side_binding"] = True
        options["prepare_threshold"] = 5
    # A pool per process (psycopg_pool): a fresh server process per request spends 30-50 ms
    # warming its catalog caches, more than the queries of a page. Under daphne requests run
    # on many threads, so the pool rather than CONN_MAX_AGE keeps connections.
    if env.bool("NASKAH_DB_POOL", default=True):
        options["pool"] = {
            "min_size": _int("NASKAH_DB_POOL_MIN", default=2),
            "max_size": _int("NASKAH_DB_POOL_MAX", default=20),
            "timeout": 10,
        }
        # A connection the server closed (a restart, a failover, pg_terminate_backend) is
        # found and replaced when it is taken from the pool, not by the request it fails.
        if _bool("NASKAH_DB_POOL_CHECK", default=True):
            from psycopg_pool import ConnectionPool

            options["pool"]["check"] = ConnectionPool.check_connection
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = _int("NASKAH_DB_CONN_MAX_AGE", default=0)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organizations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username
    "organizations.backends.TenantModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Lockout: after NASKAH_LOGIN_FAILURES wrong passwords for one username, that username is
# locked for NASKAH_LOCKOUT_MINUTES (per username, so one office's shared IP locks nobody else).
AXES_FAILURE_LIMIT = _int("NASKAH_LOGIN_FAILURES", default=5)
AXES_COOLOFF_TIME = _int("NASKAH_LOCKOUT_MINUTES", default=15) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
# Lockout is per username on purpose: a whole office behind one NAT address must not be locked
# out by one person's typos (axes.W006 asks for the IP address as well).
# models.W040: the covering index of unit inboxes is for PostgreSQL; SQLite (the embedded
# default) builds it without its non-key columns, which is all it needs there.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
OTP_TOTP_ISSUER = lambda device: device.user.tenant.app_name if device.user.tenant_id else "Naskah"
# The admin never shows a device's secret or QR code (its config views then refuse everyone
# alike; without this they answered 500 for a missing id and 403 for another's device).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Argon2id first, at OWASP's first setting (core/hashers.py): a check costs 0.05 s of CPU
# and 46 MiB here, against 0.67 s for PBKDF2 at Django's 1,500,000 rounds, and signing asks
# for the password every time. Older hashes still verify and are renewed at the next login.
PASSWORD_HASHERS = [
    "core.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels-redis blocks on BZPOPMIN for up to 5 s; redis-py 8 also defaults
                # to a 5 s socket timeout, so under load the read times out and the consumer
                # dies with 1011. Give the socket room beyond the blocking pop.
                # A thousand phones reconnecting at once each join their group concurrently.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "max_connections": _int("NASKAH_REDIS_MAX_CONNECTIONS", default=2000),
                    }
                ],
                "prefix": env.str("NASKAH_REDIS_PREFIX", "naskah"),
            },
        }
    }
    CACHES = {
        "default": {
            # A cache that is down answers as an empty one (core.cache): pages read the
            # database and keep working while Redis is away.
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("NASKAH_REDIS_PREFIX", "naskah"),
            "OPTIONS": {
                # One pool per process: under ASGI each request has its own cache object.
                "pool_class": "core.cachepool.SharedConnectionPool",
                "socket_connect_timeout": _float("NASKAH_CACHE_CONNECT_TIMEOUT", default=0.5),
                "socket_timeout": _float("NASKAH_CACHE_TIMEOUT", default=2.0),
                "RETRY_AFTER": _float("NASKAH_CACHE_RETRY_AFTER", default=2.0),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Who handles what (held posts, delegations, unit inboxes, tenant admin) is kept in the shared
# cache across requests and replaced when those change (organizations.access); this bounds the
# age of an entry should a change bypass the models. Only with Redis: a per-process memory
# cache would miss other processes' changes (0 keeps them for one request).
ACCESS_CACHE_SECONDS = _int("NASKAH_ACCESS_CACHE_SECONDS", default=600 if REDIS_URL else 0)

TASKS = {
    "default": {
        "BACKEND": env.str("NASKAH_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        # "ocr": reading scans takes seconds per page; its own worker keeps it from delaying
        # notices and signatures (scripts/run-dev.sh, scripts/serve.sh).
        "QUEUES": ["default", "ocr"],
    }
}
# A worker renews its lease this often / 5; the tasks of a worker silent for this long are run
# once more by another (ops.worker).
NASKAH_WORKER_LEASE_SECONDS = _float("NASKAH_WORKER_LEASE_SECONDS", default=30.0)

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("NASKAH_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("NASKAH_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# No MEDIA_URL is served: every file goes out through a view that checks access.
MEDIA_URL = "/media/"
# Files: local disk by default; any S3-compatible store (MinIO, a city's own) when
# NASKAH_S3_BUCKET is set. Files never get public URLs: they go out through views that check
# access (and, behind nginx, X-Accel-Redirect when NASKAH_ACCEL_REDIRECT is on).
NASKAH_S3_BUCKET = env.str("NASKAH_S3_BUCKET", default="")
# Files written inside a transaction are published when it commits (ops.storage).
_default_storage = {"BACKEND": "ops.storage.TransactionalFileSystemStorage"}
if NASKAH_S3_BUCKET:
    _default_storage = {
        "BACKEND": "ops.storage.TransactionalS3Storage",
        "OPTIONS": {
            "bucket_name": NASKAH_S3_BUCKET,
            "endpoint_url": env.str("NASKAH_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("NASKAH_S3_REGION", default="") or None,
            "access_key": env.str("NASKAH_S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("NASKAH_S3_SECRET_KEY", default="") or None,
            "location": env.str("NASKAH_S3_PREFIX", default=""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
NASKAH_ACCEL_REDIRECT = _bool("NASKAH_ACCEL_REDIRECT", default=False)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_AGE = _int("NASKAH_SESSION_AGE", default=8 * 3600)
# The age counts from the last request (expiry after inactivity), to within SESSION_REFRESH
# seconds: core.middleware.SessionRefreshMiddleware writes a session at most that often.
SESSION_REFRESH = _int("NASKAH_SESSION_REFRESH", default=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF, "ws:", "wss:"] if DEBUG else [CSP.SELF, "wss:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = _bool("NASKAH_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _int("NASKAH_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if _bool("NASKAH_BEHIND_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.TokenScopePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("NASKAH_API_RATE_USER", default="600/min"),
        "anon": env.str("NASKAH_API_RATE_ANON", default="60/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    # OPTIONS answers 405 rather than describing forms (DRF's metadata builds objects it
    # should not, e.g. for list-level PUT actions).
    "DEFAULT_METADATA_CLASS": None,
    # The browsable API only in development: in production every answer is JSON.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Naskah API",
    "DESCRIPTION": "Correspondence, disposition, archive and scheduling for local government.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have `kind` and `state` fields with different choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "RecipientKindEnum": "correspondence.choices.RecipientKind",
        "AttachmentKindEnum": "correspondence.choices.AttachmentKind",
        "StepKindEnum": "correspondence.choices.StepKind",
        "LetterStateEnum": "correspondence.choices.LetterState",
        "DeliveryStateEnum": "correspondence.choices.DeliveryState",
        "DispositionStateEnum": "correspondence.choices.DispositionState",
        "StepStateEnum": "correspondence.choices.StepState",
        "RoleKindEnum": "organizations.choices.RoleKind",
        "AssignmentKindEnum": "organizations.choices.AssignmentKind",
        "UnitKindEnum": "organizations.choices.UnitKind",
        "NotificationKindEnum": "notifications.kinds.Kind",
        "EventStateEnum": "scheduling.choices.EventState",
        "BookingStateEnum": "scheduling.choices.BookingState",
        "AttendeeRoleEnum": "scheduling.choices.AttendeeRole",
        "SecurityLevelEnum": "workflows.choices.SecurityLevel",
        "RecordStateEnum": "archive.choices.RecordState",
        "LoanStateEnum": "archive.choices.LoanState",
        "ProposalStateEnum": "archive.choices.ProposalState",
        "TransferStateEnum": "archive.choices.TransferState",
        "TransferKindEnum": "archive.choices.TransferKind",
        "RecordFileKindEnum": "archive.choices.FileKind",
        "FateEnum": "archive.choices.Fate",
        "MediumEnum": "archive.choices.Medium",
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous sees nothing

# E-mail is optional: NASKAH_EMAIL_URL like smtp+tls://user:password@mail.example.go.id:587.
# Without it, mail is printed to the console in debug, dropped with a log line otherwise,
# and e-mail features say they are off.
NASKAH_EMAIL_URL = env.str("NASKAH_EMAIL_URL", default="")
NASKAH_EMAIL_ENABLED = bool(NASKAH_EMAIL_URL)
# Seconds to wait for the SMTP server (a send that hangs would hold its letter's outbox row).
NASKAH_EMAIL_TIMEOUT = _int("NASKAH_EMAIL_TIMEOUT", default=30)
if NASKAH_EMAIL_URL:
    _mail = environ.Env.email_url_config(NASKAH_EMAIL_URL)
    MAILERS = {
        "default": {
            "BACKEND": _mail["EMAIL_BACKEND"],
            "OPTIONS": {
                "host": _mail.get("EMAIL_HOST", "localhost"),
                "port": _mail.get("EMAIL_PORT", 25),
                "username": _mail.get("EMAIL_HOST_USER", ""),
                "password": _mail.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": bool(_mail.get("EMAIL_USE_TLS")),
                "use_ssl": bool(_mail.get("EMAIL_USE_SSL")),
                "timeout": NASKAH_EMAIL_TIMEOUT,
            },
        }
    }
elif DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "core.mail.DisabledEmailBackend"}}
# Electronic signatures (README "Signing"): who holds the keys (the tenant's own authority,
# or a certified provider), the timestamp authority every signature gets its time from, and the
# roots a verifier trusts besides each tenant's own authority (the TSA's, a provider's).
NASKAH_SIGNING_ADAPTER = env.str("NASKAH_SIGNING_ADAPTER", default="local")
if NASKAH_SIGNING_ADAPTER not in {"local", "csc", "bsre"}:
    raise ImproperlyConfigured("NASKAH_SIGNING_ADAPTER must be local, csc or bsre.")
# `make run` starts a local TSA (scripts/pki_services.py) on this address.
NASKAH_TSA_URL = env.str(
    "NASKAH_TSA_URL", default="http://127.0.0.1:8790/naskah-dev/tsa/tsa" if DEBUG else ""
)
NASKAH_TSA_TIMEOUT = _int("NASKAH_TSA_TIMEOUT", default=10)
NASKAH_TRUST_ROOTS = env.list(
    "NASKAH_TRUST_ROOTS", default=[str(VAR_DIR / "pki" / "tsa-root.pem")] if DEBUG else []
)
# Certified providers (docs/signing-providers.md). CSC: the service's base URL (before
# /csc/v1), an OAuth2 bearer token of this platform's account, and the rule that names a
# signer's credential ({nip}, {nik}, {username}).
NASKAH_CSC_URL = env.str("NASKAH_CSC_URL", default="")
NASKAH_CSC_TOKEN = env.str("NASKAH_CSC_TOKEN", default="")
NASKAH_CSC_CREDENTIAL_ID = env.str("NASKAH_CSC_CREDENTIAL_ID", default="{nip}")
NASKAH_CSC_API_VERSION = env.str("NASKAH_CSC_API_VERSION", default="v1")
# BSrE (BSSN) Esign Client Service: base URL and the client account (HTTP Basic); signers are
# named by their NIK. The issuer is what the PDF footer names before a signature exists.
NASKAH_BSRE_URL = env.str("NASKAH_BSRE_URL", default="")
NASKAH_BSRE_USER = env.str("NASKAH_BSRE_USER", default="")
NASKAH_BSRE_PASSWORD = env.str("NASKAH_BSRE_PASSWORD", default="")
NASKAH_BSRE_ISSUER = env.str("NASKAH_BSRE_ISSUER", default="Balai Sertifikasi Elektronik (BSrE)")
# Seconds to wait for a provider's answer before telling the signer to try again.
NASKAH_PROVIDER_TIMEOUT = _int("NASKAH_PROVIDER_TIMEOUT", default=30)

# The daily digest goes out after this local hour; links in mail use this scheme.
NASKAH_DIGEST_HOUR = _int("NASKAH_DIGEST_HOUR", default=7)
NASKAH_PUBLIC_SCHEME = env.str("NASKAH_PUBLIC_SCHEME", default="http" if DEBUG else "https")
# The port in those links when it is not the scheme's own (a development server on :8000).
NASKAH_PUBLIC_PORT = _int("NASKAH_PUBLIC_PORT", default=0)
if not 0 <= NASKAH_PUBLIC_PORT <= 65535:
    raise ImproperlyConfigured("NASKAH_PUBLIC_PORT must be a port number (0: none).")
# Letters e-mailed to addressees off the platform: a temporary SMTP failure is tried again
# after NASKAH_EMAIL_RETRY_SECONDS, doubling up to an hour, NASKAH_EMAIL_ATTEMPTS times in all;
# the letter's attachments go along while the message stays under NASKAH_EMAIL_ATTACH_MB.
NASKAH_EMAIL_RETRY_SECONDS = _int("NASKAH_EMAIL_RETRY_SECONDS", default=60)
NASKAH_EMAIL_ATTEMPTS = _int("NASKAH_EMAIL_ATTEMPTS", default=10)
NASKAH_EMAIL_ATTACH_MB = _int("NASKAH_EMAIL_ATTACH_MB", default=10)
DEFAULT_FROM_EMAIL = env.str("NASKAH_DEFAULT_FROM_EMAIL", default="naskah@localhost")


# Logs: JSON lines with the request id in production (NASKAH_LOG_FORMAT=json|text).
NASKAH_LOG_FORMAT = env.str("NASKAH_LOG_FORMAT", default="text" if DEBUG else "json")
if NASKAH_LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("NASKAH_LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.middleware.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": NASKAH_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("NASKAH_LOG_LEVEL", default="INFO")},
    # pikepdf (core.pdfa) announces its C++ log bridge at INFO in every process it loads in.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pikepdf": {"level": "WARNING"}},
}

# Uploads: per-kind size limits in megabytes (see core/uploads.py for the allowed types).
NASKAH_UPLOAD_MAX_MB = {
    "pdf": _int("NASKAH_UPLOAD_MAX_PDF_MB", default=20),
    "image": _int("NASKAH_UPLOAD_MAX_IMAGE_MB", default=10),
    "office": _int("NASKAH_UPLOAD_MAX_OFFICE_MB", default=10),
}
# A whole request body: refused by its declared length before it is read, or as soon as a
# body without one passes it (core.server for daphne, core.bodylimit for any ASGI server).
# Two of the largest files and the form around them.
NASKAH_REQUEST_MAX_MB = _int(
    "NASKAH_REQUEST_MAX_MB", default=2 * max(NASKAH_UPLOAD_MAX_MB.values()) + 5
)

# E-mail intake (intake/mail.py): a message larger than this is quarantined without being
# downloaded; the IMAP connection's timeout; at most this many messages are taken per poll.
NASKAH_MAIL_MAX_MB = _int("NASKAH_MAIL_MAX_MB", default=50)
NASKAH_MAIL_TIMEOUT = _float("NASKAH_MAIL_TIMEOUT", default=60)
NASKAH_MAIL_BATCH = _int("NASKAH_MAIL_BATCH", default=200)
if NASKAH_MAIL_MAX_MB < 1 or NASKAH_MAIL_BATCH < 1:
    raise ImproperlyConfigured("NASKAH_MAIL_MAX_MB and NASKAH_MAIL_BATCH must be at least 1.")

# Letters between deployments (federation/): the address other instances reach this one at
# (the `iss` of every envelope and receipt it signs), the timeout of a call to a peer, and
# how far a signed message's time may be from this server's clock.
NASKAH_INSTANCE_URL = env.str("NASKAH_INSTANCE_URL", default="http://127.0.0.1:8000").rstrip("/")
NASKAH_FEDERATION_TIMEOUT = _float("NASKAH_FEDERATION_TIMEOUT", default=30)
NASKAH_FEDERATION_CLOCK_SKEW = _int("NASKAH_FEDERATION_CLOCK_SKEW", default=600)
NASKAH_FEDERATION_MAX_MB = _int("NASKAH_FEDERATION_MAX_MB", default=60)
# The first wait before a delivery is tried again (doubling each time, at most an hour).
NASKAH_FEDERATION_RETRY_SECONDS = _int("NASKAH_FEDERATION_RETRY_SECONDS", default=30)

# Optional antivirus: a clamd daemon (tcp://clamav:3310); uploads are refused when it finds
# something or cannot be reached.
NASKAH_CLAMD_URL = env.str("NASKAH_CLAMD_URL", default="")

# Web Push and the chat gateway (README "Push and chat"): their own module, read last.
from naskah.settings_push import *

"""Settings for the helpdesk. The only module that reads the environment.

No variables at all gives the embedded default: SQLite under ./var, in-memory channel layer,
locmem cache, Celery tasks run in-process, and the SLA sweep runs on a timer inside the server
process. DATABASE_URL and REDIS_URL switch to the production shape (Postgres, Redis channel
layer and cache, Celery worker + beat). Every variable is documented in README.md and
.env.example.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from helpdesk.backends import database_from_url, kombu_broker_url, sentinel_target

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HELPDESK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
DEBUG = env_bool("DEBUG", False)
# Production mode: HELPDESK_ENV=production (bin/prod and docker-compose set it unless
# DEMO_DATA=1). It refuses to start with the development key or with DEBUG, serves hashed static
# files and defaults the HTTPS settings on (README "Production mode").
HELPDESK_ENV = os.environ.get("HELPDESK_ENV", "development").strip().lower()
PRODUCTION = HELPDESK_ENV == "production"
if PRODUCTION and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "HELPDESK_ENV=production refuses the development SECRET_KEY: set SECRET_KEY to a long random "
        "value (e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'), or run with "
        "DEMO_DATA=1 for a demonstration.")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("HELPDESK_ENV=production refuses DEBUG=1.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Public base URL used in SMS/email links (signed acknowledgement links, ticket status links).
# Unset: `manage.py serve` (make run) sets it to the host and port it serves on.
SITE_URL_SET = bool(os.environ.get("SITE_URL"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The citizens' helpline, shown in every page's footer and on the error pages.
HELPLINE_NUMBER = os.environ.get("HELPLINE_NUMBER", "104")
# Where browsers open websockets. Empty: the page's own host (one address, as behind the proxy
# in docker-compose). bin/prod sets it to the uvicorn port, since gunicorn does not speak ws.
WS_PUBLIC_URL = os.environ.get("WS_PUBLIC_URL", "").rstrip("/")

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
EMBEDDED = not REDIS_URL
# Which server runs this process: "wsgi" (gunicorn), "asgi" (uvicorn) or "" (management/tests).
SERVER_KIND = os.environ.get("HELPDESK_SERVER", "")

INSTALLED_APPS = [
    "helpdesk.admin.HelpdeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "helpdesk.apps.HelpdeskConfig",
    "accounts",
    "notifications",
    "tickets",
    "escalation",
    "live",
    "bookings",
    "bookings.offline",
    "reports",
    "desk",
]

MIDDLEWARE = [
    # First: the request id (on every log line, into the tasks queued) and the response counts.
    "helpdesk.requestid.RequestIdMiddleware",
    "helpdesk.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Every request's strings are checked once, before any view (helpdesk/inputs.py).
    "helpdesk.middleware.InputGuardMiddleware",
    "helpdesk.middleware.CSPMiddleware",  # django-csp's, the site-wide header built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "helpdesk.middleware.BackingServiceMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "live.context_processors.live",
                "helpdesk.navigation.staff_nav",
                "helpdesk.context_processors.site",
                "desk.context_processors.notifications",
            ],
            "libraries": {"forms": "helpdesk.formtags"},  # helpdesk is not an app
        },
    }
]

# --- Database -------------------------------------------------------------------------------
if DATABASE_URL:
    # Several hosts (postgres://u@db-a:5432,db-b:5432/helpdesk?target_session_attrs=read-write) for a
    # replicated cluster: libpq keeps the first that accepts writes (helpdesk/backends.py).
    _db = database_from_url(DATABASE_URL)
    if SERVER_KIND == "asgi":
        # Under ASGI each sync view runs in a thread; persistent connections would leak one per
        # thread. Use psycopg's pool and close connections at the end of each request instead.
        _db["CONN_MAX_AGE"] = 0
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 2),
            "max_size": env_int("DB_POOL_MAX", 20),
            "timeout": 10,
        }
    else:
        _db["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
        _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
    DATABASES = {"default": _db}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "helpdesk.sqlite3",
            "OPTIONS": {
                # WAL + a busy timeout let the timer thread and the server share the file.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Cache, channel layer, Celery ------------------------------------------------------------
# REDIS_URL=sentinel://s1:26379,s2:26379/0 (+ REDIS_SENTINEL_MASTER): every Redis client asks the
# Sentinels for the current primary (helpdesk/backends.py); redis://host:port/db: one server.
REDIS_SENTINEL = sentinel_target(REDIS_URL, os.environ.get("REDIS_SENTINEL_MASTER", "helpdesk"),
                                 os.environ.get("REDIS_SENTINEL_PASSWORD", "")) if REDIS_URL else None
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "helpdesk.cache.RedisCache",
            "LOCATION": REDIS_URL if REDIS_SENTINEL is None else f"sentinel://{REDIS_SENTINEL.master}",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2,
                        **({"sentinel": REDIS_SENTINEL} if REDIS_SENTINEL else {})},
            "KEY_PREFIX": "hd",
        }
    }
    # redis-py caps a pool at 100 connections by default and fails beyond it; the layer's capacity
    # is per process, not per socket. Both sized for thousands. socket_timeout: redis-py 8 defaults
    # to 5 s, the same as channels-redis' blocking BZPOPMIN timeout; the race raises TimeoutError
    # inside a consumer and kills its socket.
    _layer_host = {"max_connections": env_int("CHANNEL_MAX_CONNECTIONS", 4000), "socket_timeout": 30}
    if REDIS_SENTINEL is None:
        _layer_host["address"] = REDIS_URL
    else:
        _layer_host.update(sentinels=REDIS_SENTINEL.sentinels, master_name=REDIS_SENTINEL.master,
                           sentinel_kwargs=REDIS_SENTINEL.sentinel_kwargs(), **REDIS_SENTINEL.master_kwargs())
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [_layer_host],
                "capacity": env_int("CHANNEL_CAPACITY", 10000),
                "expiry": 60,
                "group_expiry": 86400,
                "prefix": os.environ.get("CHANNEL_PREFIX", "hd-asgi"),
            },
        }
    }
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
        REDIS_URL if REDIS_SENTINEL is None else kombu_broker_url(REDIS_SENTINEL))
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Kolkata"
# Delayed tasks are only a lag-shortener; the sweep is the truth (see escalation/README section).
# No ack emulation on Redis: with it, Celery 5.7's worker exits for good when Redis dies while it
# holds unacknowledged messages (delayed tasks, tasks running): its reconnect path closes the
# channel a second time after dropping the transport, restoring those messages then raises
# AttributeError ('NoneType' object has no attribute 'hostname'), which is not a connection error.
# Without it a message leaves Redis when a worker takes it: a task lost with a killed worker or a
# crashed Redis is redone by the periodic sweep and the outbox retry job, which own the work.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2,
                                   "ack_emulation": env_bool("CELERY_ACK_EMULATION", False)}
if REDIS_SENTINEL is not None and CELERY_BROKER_URL.startswith("sentinel://"):
    # Kombu's Sentinel transport: the master's name and how to reach the Sentinels.
    CELERY_BROKER_TRANSPORT_OPTIONS.update(master_name=REDIS_SENTINEL.master,
                                           sentinel_kwargs=REDIS_SENTINEL.sentinel_kwargs())
# Retry the broker for ever (Celery's default gives up after 100 attempts, about 50 minutes):
# an outage of any length never ends a worker. Tasks running when the connection drops finish
# their database work (their own transactions); they are not cancelled.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Beat's schedule file lives with the other runtime state (HELPDESK_VAR_DIR), not in ./var.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Publishing a task never holds a request for long when the broker is down: the work is in the
# database already and the periodic sweeps pick it up (helpdesk/queue.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Live events of a busy process leave together, at most this late (live.broadcast): one Redis
# round trip per group for all of a surge's tickets in the window instead of per ticket.
LIVE_COALESCE_MS = env_int("LIVE_COALESCE_MS", 100)
# Period of the SLA/escalation sweep, seconds (Celery beat, or the embedded timer).
SLA_SWEEP_SECONDS = env_int("SLA_SWEEP_SECONDS", 15)
# Helper sweeps queued at once when a sweep's batch comes back full (many tickets due together):
# one per further worker process (the Celery worker's concurrency minus one).
SLA_SWEEP_HELPERS = env_int("SLA_SWEEP_HELPERS", 3)
# The periodic jobs: run by Celery beat, or by the timer thread of `manage.py serve` on the
# embedded default (helpdesk/timers.py). Each app adds its own entries.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

# --- escalation (SLA clocks, ladders, outbox) -------------------------------------------------
# The sweep fires due warnings, breaches and ladder steps; the retry job re-sends failed
# notifications with backoff and reclaims sends whose worker died.
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 30)
# A new ticket's receipt SMS waits at most this long in its web process for others to share one
# Celery message (helpdesk.queue); during a surge one message per window instead of per ticket.
OUTBOX_BATCH_SECONDS = float(os.environ.get("OUTBOX_BATCH_SECONDS", "0.25"))
CELERY_BEAT_SCHEDULE["escalation-sweep"] = {"task": "escalation.tasks.sweep", "schedule": float(SLA_SWEEP_SECONDS)}
CELERY_BEAT_SCHEDULE["notifications-outbox-retry"] = {"task": "notifications.tasks.outbox_retry",
                                                   "schedule": float(OUTBOX_RETRY_SECONDS)}
# The hand-off SMS to the engineer whose on-call shift has just begun (exactly once per change).
CELERY_BEAT_SCHEDULE["escalation-oncall-handoff"] = {"task": "escalation.tasks.oncall_handoff", "schedule": 60.0}
# Heartbeat: the sweep stamps each run; the watchdog (a thread in Celery beat, or in `manage.py
# serve`) checks every HEARTBEAT_CHECK_SECONDS and alerts supervisors once per outage when the
# last run is older than SWEEP_STALE_SECONDS (also shown on /readyz and the state dashboard).
SWEEP_STALE_SECONDS = env_int("SWEEP_STALE_SECONDS", 120)
HEARTBEAT_CHECK_SECONDS = env_int("HEARTBEAT_CHECK_SECONDS", 30)
HEARTBEAT_WATCHDOG = "escalation.heartbeat.Watchdog"
# Retention (README "Retention"): finished outbox rows are deleted after OUTBOX_RETENTION_DAYS;
# a message holding a secret (an OTP) still unsent after SECRET_MESSAGE_MAX_AGE_MINUTES is
# cancelled and redacted. The escalation ledger is the accountability record and is kept.
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 90)
SECRET_MESSAGE_MAX_AGE_MINUTES = env_int("SECRET_MESSAGE_MAX_AGE_MINUTES", 10)
CELERY_BEAT_SCHEDULE["notifications-outbox-purge"] = {"task": "notifications.tasks.outbox_purge", "schedule": 300.0}

# --- live (incidents, status page, spike detection) -----------------------------------------
# Spike detector (live/spikes.py): at least SPIKE_MIN_COUNT complaints of one category in one
# district (or statewide, spread over >= SPIKE_STATEWIDE_MIN_DISTRICTS districts) within
# SPIKE_WINDOW_MINUTES, and at least SPIKE_FACTOR times the usual count per window over the
# previous SPIKE_BASELINE_HOURS.
SPIKE_WINDOW_MINUTES = env_int("SPIKE_WINDOW_MINUTES", 15)
SPIKE_MIN_COUNT = env_int("SPIKE_MIN_COUNT", 5)
SPIKE_FACTOR = float(os.environ.get("SPIKE_FACTOR", "3"))
SPIKE_BASELINE_HOURS = env_int("SPIKE_BASELINE_HOURS", 24)
SPIKE_STATEWIDE_MIN_DISTRICTS = env_int("SPIKE_STATEWIDE_MIN_DISTRICTS", 2)
# Each scope is checked at most once per this many seconds by all workers together (then once
# more for what arrived meanwhile): at most two checks per place per interval during a surge,
# a spike seen within the interval (the window is 15 minutes); 0 checks every batch.
SPIKE_CHECK_SECONDS = env_int("SPIKE_CHECK_SECONDS", 30)
# Minutes between public updates of an open incident, by severity; a warning this many minutes
# before the due time.
INCIDENT_CADENCE_MINUTES = {
    "critical": env_int("INCIDENT_CADENCE_CRITICAL", 30),
    "major": env_int("INCIDENT_CADENCE_MAJOR", 60),
    "minor": env_int("INCIDENT_CADENCE_MINOR", 120),
}
INCIDENT_CADENCE_WARNING_MINUTES = env_int("INCIDENT_CADENCE_WARNING", 5)
CELERY_BEAT_SCHEDULE["live-incident-cadence"] = {"task": "live.tasks.incident_cadence_sweep", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["live-presence-purge"] = {"task": "live.tasks.presence_purge", "schedule": 300.0}

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out username or address before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.RoleBackend"]
# Staff login throttle (django-axes, counted in the database: a Redis outage does not open it).
# LOGIN_FAILURE_LIMIT failures lock the username, and separately the client address, for
# LOGIN_LOCKOUT_MINUTES; an admin unlocks earlier by deleting the attempts in the admin
# (Axes > Access attempts) or `manage.py axes_reset_username <name>` / `axes_reset_ip <address>`.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "helpdesk.client.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# Retention of idempotency records (hours) and of login logs (days).
IDEMPOTENCY_RETENTION_HOURS = env_int("IDEMPOTENCY_RETENTION_HOURS", 48)
LOGIN_LOG_RETENTION_DAYS = env_int("LOGIN_LOG_RETENTION_DAYS", 90)
CELERY_BEAT_SCHEDULE["accounts-retention"] = {"task": "accounts.tasks.retention_purge", "schedule": 3600.0}
# Second factor (django-otp, TOTP): anyone who set one up is asked for it at login; with
# STAFF_2FA_REQUIRED on, supervisors and admins must set one up before using the app.
STAFF_2FA_REQUIRED = env_bool("STAFF_2FA_REQUIRED", False)
OTP_TOTP_ISSUER = "CG vaccination helpdesk"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if env_bool("FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("hi", _("Hindi"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

# --- Static -----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (attachments): the filesystem under HELPDESK_VAR_DIR/media by default;
# ATTACHMENT_STORAGE=s3 stores them in an S3-compatible bucket through django-storages. They are
# never served from MEDIA_URL: a view checks who may see the ticket and streams them.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"
ATTACHMENT_STORAGE = os.environ.get("ATTACHMENT_STORAGE", "filesystem")
if ATTACHMENT_STORAGE == "s3":
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": os.environ["S3_BUCKET"],
        "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("S3_REGION") or None,
        "access_key": os.environ.get("S3_ACCESS_KEY") or None,
        "secret_key": os.environ.get("S3_SECRET_KEY") or None,
        "default_acl": None, "querystring_auth": True, "file_overwrite": False,
    }}
elif ATTACHMENT_STORAGE == "filesystem":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured("ATTACHMENT_STORAGE is filesystem or s3")
# Production: hashed, compressed static file names from `collectstatic` (bin/prod runs it),
# cacheable for ever; development: files straight from static/.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", PRODUCTION)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_MANIFEST
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 5_000_000)
ATTACHMENT_MAX_FILES = env_int("ATTACHMENT_MAX_FILES", 3)
# The telephony provider's webhook (desk/calls): HMAC-SHA256 secret shared with the provider, and
# how old a signed request may be (replays are refused).
CTI_WEBHOOK_SECRET = os.environ.get("CTI_WEBHOOK_SECRET", "")
CTI_MAX_SKEW_SECONDS = env_int("CTI_MAX_SKEW_SECONDS", 300)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# In production the HTTPS settings default on (served behind TLS); a local run of the production
# shape over plain HTTP turns them off explicitly (bin/prod does when it is not behind TLS).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "helpdesk.errors.csrf_failure"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's probe speaks plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp): scripts, styles and everything else from this site only;
# no inline script, inline style or event handler is used anywhere (a test renders every page
# and checks). Images may be data: URIs (the authenticator QR code); websockets go to the page's
# own host or WS_PUBLIC_URL.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", *([WS_PUBLIC_URL] if WS_PUBLIC_URL else [])],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR ranges, comma-separated);
# empty: the header is ignored and the peer address is the client (helpdesk/client.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_BODY_BYTES", 262144)
# Signing of one-click acknowledgement links and citizen status links (seconds).
ACK_LINK_MAX_AGE = env_int("ACK_LINK_MAX_AGE", 24 * 3600)

# --- DRF --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # A staff session (browser, with CSRF), or an API token of a service account (accounts/tokens.py).
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication",
                                       "accounts.authentication.ServiceTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "helpdesk.openapi.HelpdeskAutoSchema",
    # JSON only: a form or multipart body is answered 415 (the one upload, the portal import, says so).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "helpdesk.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "anon_ip": os.environ.get("RATE_ANON_IP", "60/min"),
        "anon_mobile": os.environ.get("RATE_ANON_MOBILE", "10/min"),
        "otp_ip": os.environ.get("RATE_OTP_IP", "20/hour"),
        "otp_mobile": os.environ.get("RATE_OTP_MOBILE", "5/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# API tokens (django-rest-knox, accounts/tokens.py): hashed at rest, issued and revoked by admins.
KNOX_TOKEN_MODEL = "accounts.ApiToken"
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "90"))
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token", "TOKEN_MODEL": KNOX_TOKEN_MODEL}
# knox's own migrations create its (swapped-out) knox_authtoken table with a foreign key to the user
# table, which nothing uses and Django's flush does not empty (so every transactional test's flush
# fails on PostgreSQL). Without migrations, knox's swapped model gets no table at all.
MIGRATION_MODULES = {"knox": None}
SPECTACULAR_SETTINGS = {
    "TITLE": "CG vaccination helpdesk API",
    "DESCRIPTION": "Complaints, SLA escalation, live incident status and registration rebooking.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The input layer's rules (control characters, idempotency keys, ids) stated in the schema.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "helpdesk.openapi.postprocess_input_rules"],
    "ENUM_NAME_OVERRIDES": {
        "VaccineEnum": "bookings.models.Vaccine",
        "OfflineResultStatusEnum": [("accepted", "accepted"), ("refused", "refused")],
        # One name per choice set, so `check --deploy` stays clean (drf_spectacular.W001).
        "IncidentStatusEnum": "live.models.IncidentStatus.values",
        "ComponentStatusEnum": "live.models.ComponentStatus.values",
        "TicketChannelEnum": "tickets.models.Channel.values",
    },
}

# --- Notifications (edges) -------------------------------------------------------------------
# SMS: "console" (default: logs the message), "http" (a generic gateway: POST JSON to SMS_GATEWAY_URL)
# or "memory" (the tests': also keeps them in notifications.channels.MemorySms.outbox).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
if SMS_BACKEND not in ("console", "http", "memory"):
    raise ImproperlyConfigured(f"SMS_BACKEND is console, http or memory, not {SMS_BACKEND!r}.")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = os.environ.get("SMS_GATEWAY_KEY", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "helpdesk@localhost")
# Shared secret for inbound SMS webhook calls from the gateway (header X-Gateway-Key).
SMS_INBOUND_KEY = os.environ.get("SMS_INBOUND_KEY", "")
# Phone calls for ladder levels with the `voice` channel: "console" (default: logs the call) or
# "http" (a generic click-to-call gateway: POST JSON to VOICE_GATEWAY_URL with a bearer key). The
# gateway reports the outcome to /api/voice/callback/, signed with HMAC-SHA256 of the body under
# VOICE_CALLBACK_SECRET (header X-Voice-Signature: sha256=<hex>); without a secret every callback
# is refused.
VOICE_BACKEND = os.environ.get("VOICE_BACKEND", "console")
VOICE_GATEWAY_URL = os.environ.get("VOICE_GATEWAY_URL", "")
VOICE_GATEWAY_KEY = os.environ.get("VOICE_GATEWAY_KEY", "")
VOICE_CALLBACK_SECRET = os.environ.get("VOICE_CALLBACK_SECRET", "")

# --- Observability -------------------------------------------------------------------------------
# Logs: "json" (one JSON object a line: python-json-logger) or "plain"; json by default in
# production mode. Every line carries the request id (helpdesk.requestid) and the client address.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain").strip().lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT is json or plain, not {LOG_FORMAT!r}.")
# /metrics (helpdesk.metrics): a bearer token, and/or addresses or CIDR ranges allowed without one
# (the client address as helpdesk.client sees it, behind TRUSTED_PROXIES). Neither: refused (403).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")
# prometheus_client's multi-process mode (it reads the same variable itself, at import): a
# directory shared by every process of one deployment, emptied at start (bin/prod does).
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # %(client)s: the address of the request being served (helpdesk.client), "-" outside one;
    # %(request_id)s: the request's or task's id (helpdesk.requestid).
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(client)s %(request_id)s] %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(levelname)s %(name)s %(message)s %(client)s %(request_id)s",
                 "rename_fields": {"levelname": "level", "name": "logger"},
                 "timestamp": "time"},  # ISO 8601, UTC
    },
    "filters": {"client": {"()": "helpdesk.client.ClientLogFilter"},
                "request_id": {"()": "helpdesk.requestid.RequestIdLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["client", "request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}

# --- bookings ---------------------------------------------------------------------------------
# OTP limits (shared names with the anonymous-endpoint limits above), resend cool-down (seconds).
BOOKINGS_RATE_OTP_IP = os.environ.get("RATE_OTP_IP", "20/hour")
BOOKINGS_RATE_OTP_MOBILE = os.environ.get("RATE_OTP_MOBILE", "5/hour")
BOOKINGS_OTP_RESEND_SECONDS = env_int("OTP_RESEND_SECONDS", 30)
# CoWIN-shaped public API: per-IP limit (CoWIN's was 100/5min; high by default so the benchmark
# measures the server, set "100/5min" to behave as CoWIN) and how stale availability may be.
RATE_COWIN_IP = os.environ.get("RATE_COWIN_IP", "1000000/5min")
COWIN_CACHE_SECONDS = env_int("COWIN_CACHE_SECONDS", 60)
# Pull from the portal's API (bookings.portal.HttpPortalAdapter); empty: no pull.
PORTAL_API_URL = os.environ.get("PORTAL_API_URL", "").rstrip("/")
PORTAL_API_KEY = os.environ.get("PORTAL_API_KEY", "")
# The CoWIN public reads and the citizens' lookup skip the rest of the stack (bookings/middleware.py).
MIDDLEWARE.insert(MIDDLEWARE.index("helpdesk.middleware.InputGuardMiddleware") + 1, "bookings.middleware.fast_path")
# Hourly: expire booked appointments whose day has passed; purge OTP transactions and citizen
# tokens OTP_RETENTION_HOURS after they expired.
OTP_RETENTION_HOURS = env_int("OTP_RETENTION_HOURS", 24)
CELERY_BEAT_SCHEDULE["bookings-housekeeping"] = {"task": "bookings.tasks.housekeeping", "schedule": 3600.0}

# --- reports (dashboards) ----------------------------------------------------------------------
# Seconds that "period" figures (response times, districts, categories, vendor) stay cached; the
# "now" figures are never cached. 0 disables the cache.
REPORTS_CACHE_SECONDS = env_int("REPORTS_CACHE_SECONDS", 60)
# Offline registration at centres (bookings.offline): records per sync batch, and how similar a
# name must be (0..1, difflib ratio) for a record to be listed as a possible duplicate.
OFFLINE_BATCH_MAX = env_int("OFFLINE_BATCH_MAX", 100)
OFFLINE_NAME_SIMILARITY = float(os.environ.get("OFFLINE_NAME_SIMILARITY", "0.8"))

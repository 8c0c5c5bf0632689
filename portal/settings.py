"""Duijie settings: everything that varies comes from the environment.

With no variables set this is the embedded default: SQLite file, Celery eager (tasks run
in-process), local-memory cache, console e-mail, DEBUG on. Production sets DEBUG=0 and
DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS; see .env.example.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = BASE_DIR / ".env"
if _env_file.exists():
    environ.Env.read_env(str(_env_file))


def envsecret(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (docker secrets)."""
    file_path = env.str(f"{name}_FILE", default="")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return env.str(name, default=default)


DEBUG = env.bool("DEBUG", default=True)
# With DEBUG, missing pages show the portal's 404 page; DEBUG_ERROR_PAGES=1 shows Django's
# technical 404 page (the URL patterns tried) instead.
DEBUG_ERROR_PAGES = env.bool("DEBUG_ERROR_PAGES", default=False)

_secret = envsecret("SECRET_KEY")
if not DEBUG and not _secret:
    raise ImproperlyConfigured("DEBUG=0 需要设置 SECRET_KEY (SECRET_KEY is required when DEBUG=0)")
SECRET_KEY = _secret or "django-insecure-duijie-embedded-default-do-not-use-in-production"

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DEBUG=0 需要设置 ALLOWED_HOSTS (ALLOWED_HOSTS is required when DEBUG=0)"
    )
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

SITE_NAME = env.str("SITE_NAME", default="产学研对接平台")
ICP_NUMBER = env.str("ICP_NUMBER", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "import_export",
    "axes",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "portal",
    "matching",
    "portal.events",
    "portal.challenges",
    "portal.dispatch",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # a body larger than any form takes: 413 before it is read
    "portal.uploads.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # who made a change, for the history tables (request.user at save time)
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.MfaMiddleware",
    # last: with DEBUG on, the portal's own 404 page instead of Django's technical one
    "portal.middleware_errors.PortalErrorPagesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.site",
                "accounts.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env.bool("DATABASE_POOL", default=False):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles any query its planner costs high, and the portal's are
    # short: a dashboard's pair query spent 480 of its 590 ms compiling (100,000 rows,
    # bench/load). DATABASE_JIT=1 leaves the server's own setting.
    if not env.bool("DATABASE_JIT", default=False):
        _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
        _pg_options["options"] = (_pg_options.get("options", "") + " -c jit=off").strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default takes concurrent writes (issue 10: "database is locked" answered
    # 500 when two requests wrote at once). WAL lets readers run beside the one writer;
    # IMMEDIATE takes the write lock at BEGIN, so a second writer waits out `timeout` (seconds)
    # instead of failing when its read lock cannot be upgraded mid-transaction.
    _sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite_options.setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    _sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite_options.setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Redis: broker and cache in separate databases ------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")


def _redis_db(url: str, db: int) -> str:
    """The same Redis server as `url`, database `db` (cache and broker must not share one)."""
    base, _sep, tail = url.rpartition("/")
    if tail.isdigit() and base.startswith("redis"):
        return f"{base}/{db}"
    return f"{url.rstrip('/')}/{db}"


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("CACHE_URL", default="") or _redis_db(REDIS_URL, 1),
            "KEY_PREFIX": "duijie",
        }
    }
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # Embedded default: tasks run in-process, right where they are enqueued.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Celery (settings that survived kill tests on these machines, see docs/stack.md) ---
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 900
CELERY_TASK_SOFT_TIME_LIMIT = 840
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 1800,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    # A broker that is down or frozen fails a publish within seconds instead of holding the
    # request (redis-py waits forever by default); the stale mark leaves the work for
    # requeue_stale. Measured: stopped Redis 0.6 s, frozen (SIGSTOP) Redis 4-6 s per publish.
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES: dict[str, dict[str, str]] = {
    "matching.tasks.*_chunk_task": {"queue": "rematch"},
}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "worker-heartbeat-every-minute": {
        "task": "portal.tasks.heartbeat_task",
        "schedule": 60.0,
    },
    "registers-expire-stale-postings-daily": {
        "task": "portal.tasks.expire_stale_postings_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "matching-rematch-all-nightly": {
        "task": "matching.tasks.rematch_all_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "matching-followup-reminders-daily": {
        "task": "matching.tasks.send_followup_reminders_task",
        "schedule": crontab(hour=8, minute=30),
    },
    "challenges-milestone-reminders-daily": {
        "task": "portal.challenges.tasks.milestone_reminders_task",
        "schedule": crontab(hour=8, minute=45),
    },
    "dispatch-reminders-daily": {
        "task": "portal.dispatch.tasks.reminders_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "events-expire-meeting-requests-every-10-minutes": {
        "task": "portal.events.tasks.requests_expire_task",
        "schedule": 600.0,
    },
    "accounts-resend-unsent-emails-every-15-minutes": {
        "task": "accounts.tasks.notification_email_sweep_task",
        "schedule": 900.0,
    },
    "matching-requeue-stale-every-5-minutes": {
        "task": "matching.tasks.requeue_stale_task",
        "schedule": 300.0,
    },
    # Early on Sundays, an hour before the nightly rematch re-ranks the lists with any fit applied.
    "matching-fit-weights-weekly": {
        "task": "matching.tasks.weight_fits_task",
        "schedule": crontab(day_of_week="sun", hour=1, minute=30),
    },
}

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # Django's, with its message in Chinese (Django's zh_Hans lacks it)
        "NAME": "accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Two-step sign-in (django-otp, accounts/mfa.py): staff and administrators may enrol; when
# true they must, and are sent to the enrol page before anything else.
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=False)
OTP_TOTP_ISSUER = SITE_NAME

# --- I18N: Chinese first ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and private media -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded attachments live outside the web root and are served only through views that
# check who may see them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# A service visit takes up to 10 files, no other form more; a larger body is refused from its
# Content-Length before it is read, and a file stops being read at ATTACHMENT_MAX_BYTES
# (portal/uploads.py).
DATA_UPLOAD_MAX_NUMBER_FILES = 10
REQUEST_MAX_BYTES = (  # 225 MB
    DATA_UPLOAD_MAX_MEMORY_SIZE + ATTACHMENT_MAX_BYTES * DATA_UPLOAD_MAX_NUMBER_FILES
)
FILE_UPLOAD_HANDLERS = [
    "portal.uploads.FileSizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD", default="") or ""
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="产学研对接平台 <noreply@localhost>")

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api_auth.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "portal.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
    # How many proxies append to X-Forwarded-For in front of the site (production: the TLS
    # proxy). Unset, DRF took the whole header as the client's address, so an anonymous
    # client escaped the throttle by making a new one up for each request.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0 if DEBUG else 1),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "产学研对接平台 API",
    "DESCRIPTION": "Duijie industry–academia matchmaking portal",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from the vendored sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets whose field name ("kind", "role") other components use for other choices.
    "ENUM_NAME_OVERRIDES": {
        "AllianceKindEnum": "accounts.models.Alliance.Kind",
        "AllianceMemberRoleEnum": "accounts.models.AllianceMembership.Role",
    },
}

# --- Registers ------------------------------------------------------------------------------
# Published postings not re-confirmed within this many days are flagged for their owner,
# and expire after the grace period.
POSTING_RECONFIRM_DAYS = env.int("POSTING_RECONFIRM_DAYS", default=180)
POSTING_EXPIRE_GRACE_DAYS = env.int("POSTING_EXPIRE_GRACE_DAYS", default=30)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="duijie-demo")

# --- Matching engine (matching/engine/scoring.py WEIGHT_DOCS documents each weight) ----------
# Overrides of matching.engine.scoring.DEFAULT_WEIGHTS, e.g. {"region": 0.2} (unknown: refused).
MATCHING_WEIGHTS: dict[str, float] = env.json("MATCHING_WEIGHTS", default={})
MATCHING_TOP_K = env.int("MATCHING_TOP_K", default=10)
# How many needs a newly published result or expert is checked against (the best of the need
# register for its text, plus the needs listing it now): their lists are recomputed at once.
MATCHING_FRESH_CANDIDATES = env.int("MATCHING_FRESH_CANDIDATES", default=30)
# Owners see the engine's raw suggestions and scores (default: only pairs staff took up).
MATCHING_SELF_SERVICE = env.bool("MATCHING_SELF_SERVICE", default=False)
# Drop suggestions scoring under this share of the best one (filler-word matches).
MATCHING_MIN_RELATIVE_SCORE = env.float("MATCHING_MIN_RELATIVE_SCORE", default=0.25)
MATCHING_REMATCH_CHUNK_SIZE = env.int("MATCHING_REMATCH_CHUNK_SIZE", default=200)
# Seconds a rematch chunk may stay RUNNING before it is handed to another worker (> time limit).
MATCHING_CHUNK_TIMEOUT = 1800
MATCHING_CHUNK_MAX_ATTEMPTS = 5
# Seconds the dashboards keep their figures (per user, filter and language) before counting
# afresh; a pair's stage change refreshes them at once. 0: count on every request.
STATS_CACHE_SECONDS = env.int("STATS_CACHE_SECONDS", default=120)
# Seconds between two rebuilds of the counts the dashboards sum instead of counting the
# registers (matching.dashboards.facts; beat). 0: always count the registers. Facts not
# rebuilt for three intervals are ignored, so without a beat (make run) nothing changes.
STATS_FACTS_SECONDS = env.int("STATS_FACTS_SECONDS", default=300)
if STATS_FACTS_SECONDS:
    CELERY_BEAT_SCHEDULE["matching-stats-facts"] = {
        "task": "matching.tasks.stats_facts_refresh_task",
        "schedule": float(STATS_FACTS_SECONDS),
    }
# Seconds before a posting still marked stale is enqueued again.
MATCHING_STALE_GRACE = 120
# More pending index changes than this and a worker rebuilds its in-memory index.
MATCHING_MAX_DELTA = 1000
# Seconds between checks of the stored domain-dictionary version in each process.
MATCHING_DICTIONARY_CHECK_SECONDS = env.int("MATCHING_DICTIONARY_CHECK_SECONDS", default=30)
# A pair in an open stage with no activity for this many days is listed under 需跟进.
MATCH_IDLE_DAYS = env.int("MATCH_IDLE_DAYS", default=30)
# Seconds the 1:1 meeting scheduler of an event may search (CP-SAT; issue 11).
EVENTS_SCHEDULE_TIME_LIMIT = env.float("EVENTS_SCHEDULE_TIME_LIMIT", default=20.0)
# Absolute links in e-mails, e.g. https://portal.example.gov.cn (no trailing slash).
SITE_URL = env.str("SITE_URL", default="")

# --- Security ---------------------------------------------------------------------------------
# Headers on every response, in development too, so a page that breaks under them breaks
# where it is written (tests/test_security_headers.py crawls pages and scans templates/).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): only this site's own files run or style a page. No
# 'unsafe-inline' and no 'unsafe-eval': templates carry no <script> bodies, <style> blocks,
# style= or on*= attributes (classes in static/css, behaviour in static/js instead); htmx's
# own indicator <style> is switched off by the htmx-config meta tag in base.html. Styles that
# scripts set through element.style (ECharts, Bootstrap's popper) are not inline markup and
# are allowed. img-src takes data: for Bootstrap's form-control icons.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
_SELF, _NONE = "'self'", "'none'"  # csp.constants.SELF / NONE
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "frame-ancestors": [_NONE],
        "form-action": [_SELF],
    },
}
if not DEBUG:
    # Behind a TLS-terminating proxy, which must set X-Forwarded-Proto (and strip the client's).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # One year, subdomains included. "preload" in the header only consents to the browsers'
    # preload list: nothing is listed until someone submits the registrable domain at
    # hstspreload.org, so it is harmless on a subdomain of a bureau's domain. A site that must
    # never be listed sets SECURE_HSTS_PRELOAD=0 (check --deploy then warns, security.W021).
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "jieba": {"level": "WARNING"},
        # Eager tasks run inside web requests and management commands: one "succeeded"
        # line per task would drown the console. Real workers log at their own -l level.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

"""Settings, read from the environment only and validated at start (see README "Configuration")."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from posthog_api import embedded
from posthog_api.env import celery_broker_url
from posthog_api.env import env_bool
from posthog_api.env import env_float
from posthog_api.env import env_int
from posthog_api.env import env_list
from posthog_api.env import env_str
from posthog_api.env import parse_database_url
from posthog_api.env import validate_redis_url

# Lets runtime code subscript generic Django classes (admin.ModelAdmin[Model]) as the stubs do.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
PRODUCTION = env_bool("PRODUCTION", default=False)
TESTING = env_bool("TESTING", default=False)
if DEBUG and PRODUCTION:
    raise ImproperlyConfigured("DEBUG must not be enabled when PRODUCTION is set.")

_secret_key = env_str("SECRET_KEY")
if not _secret_key:
    if DEBUG or TESTING:
        _secret_key = "insecure-development-only-secret-key"  # noqa: S105
    else:
        raise ImproperlyConfigured("SECRET_KEY is required unless DEBUG=true.")
SECRET_KEY: str = _secret_key

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
# Where ``ensure_demo`` keeps the demo key's plain value (only known at creation) to print it again.
DEMO_API_KEY_FILE = Path(env_str("DEMO_API_KEY_FILE") or BASE_DIR / ".data" / "demo_api_key")
SITE_URL = (env_str("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "posthog_api",
    "insights",
    "elements",
    "activity",
    "coalescing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "posthog_api.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coalescing.middleware.QueryCoalescingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "posthog_api.urls"
WSGI_APPLICATION = "posthog_api.wsgi.application"
AUTH_USER_MODEL = "posthog_api.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
# Unset URLs mean the embedded servers that `make run` / `make test` start under .data/.
DATABASE_URL = env_str("DATABASE_URL") or embedded.default_database_url()
REDIS_URL = validate_redis_url(env_str("REDIS_URL") or embedded.default_redis_url())

_database = parse_database_url(DATABASE_URL)
_database["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
_database["CONN_HEALTH_CHECKS"] = True
_database["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
# Server-side prepared statements for the statements that bind parameters server-side (the
# ingestion path; Django's own cursors bind client-side and never prepare): each is parsed and
# planned once per connection instead of once per batch. Turn off behind a PgBouncer older than
# 1.21 in transaction mode, which cannot carry prepared statements between server connections.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", default=True)
_database["OPTIONS"] = {
    **cast(dict[str, object], _database.get("OPTIONS") or {}),
    "prepare_threshold": 2 if DATABASE_PREPARED_STATEMENTS else None,
}
DATABASES = {"default": _database}

CACHES = {
    "default": {
        "BACKEND": "posthog_api.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "") or "",
    }
}
# Redis timeouts and circuit breaker (posthog_api/redis_client.py, redis_breaker.py), shared by
# the cache, the coalescing locks and the async job claims. A healthy Redis answers in well under
# a millisecond: a cache read that takes longer than this is treated as a miss...
REDIS_READ_TIMEOUT_SECONDS = env_float("REDIS_READ_TIMEOUT_SECONDS", 0.25, minimum=0.01)
# ...and writes, lock scripts and connecting give up after this.
REDIS_TIMEOUT_SECONDS = env_float("REDIS_TIMEOUT_SECONDS", 1.0, minimum=0.01)
# After a timeout or connection error, this process skips that Redis server for this long (then
# one call probes it), so a stalled Redis costs a request at most one timeout.
REDIS_BREAKER_COOLDOWN_SECONDS = env_float("REDIS_BREAKER_COOLDOWN_SECONDS", 5.0, minimum=0.01)

# Insight search: "auto" uses pg_trgm where the server has it, else the pure-Python twin.
INSIGHT_SEARCH_MODE = env_str("INSIGHT_SEARCH_MODE", "auto") or "auto"
if INSIGHT_SEARCH_MODE not in {"auto", "python", "trigram"}:
    raise ImproperlyConfigured("INSIGHT_SEARCH_MODE must be one of auto, python, trigram.")

# Elements stats keep parsed chains in memory, up to this many chain characters per process.
ELEMENT_CHAIN_MEMO_MAX_CHARS = env_int("ELEMENT_CHAIN_MEMO_MAX_CHARS", 4_000_000, minimum=0)

# Set for gunicorn's multiprocess mode: /metrics then sums every worker's metrics from this folder.
# (prometheus_client reads the same variable itself when the metrics are created.)
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR") or None

# Every engine query runs under this statement timeout (milliseconds).
# Prefix for the raw Redis keys (coalescing locks, query status); tests give each test its own.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "") or ""

QUERY_STATEMENT_TIMEOUT_MS = env_int("QUERY_STATEMENT_TIMEOUT_MS", 60_000, minimum=100)
# Plain event-count trends read the hourly rollup where it is exact (insights/queries/hourly_counts.py).
QUERY_HOURLY_COUNTS = env_bool("QUERY_HOURLY_COUNTS", default=True)

# --- Query coalescing (coalescing/) ---------------------------------------------------------------
# Identical concurrent insight/query requests compute once; see README "Async refresh and coalescing".
QUERY_COALESCING_ENABLED = env_bool("QUERY_COALESCING_ENABLED", default=True)
# The lock lives 3 heartbeats: a leader silent that long is dead and one follower takes over.
QUERY_COALESCING_HEARTBEAT_SECONDS = env_float(
    "QUERY_COALESCING_HEARTBEAT_SECONDS", 5.0, minimum=0.05
)
# A follower waiting longer than this answers a retryable 503 instead of hanging.
QUERY_COALESCING_MAX_WAIT_SECONDS = env_float(
    "QUERY_COALESCING_MAX_WAIT_SECONDS", 60.0, minimum=0.1
)
# How long a finished answer stays readable: for the followers still waking up, and for identical
# requests that queued behind busy server threads while the leader ran (late followers).
QUERY_COALESCING_RESULT_TTL_SECONDS = env_float(
    "QUERY_COALESCING_RESULT_TTL_SECONDS", 10.0, minimum=1.0
)
QUERY_COALESCING_REDIS_URL = validate_redis_url(env_str("QUERY_COALESCING_REDIS_URL") or REDIS_URL)

# --- Async queries (insights/queries/enqueue.py, job_runner.py, insights/tasks.py) ---------------
INSIGHTS_REFRESH_QUEUE = env_str("INSIGHTS_REFRESH_QUEUE", "insights_refresh") or "insights_refresh"
# A worker beats this often while it runs a job; three missed beats mean the worker is gone.
QUERY_ASYNC_HEARTBEAT_SECONDS = env_float("QUERY_ASYNC_HEARTBEAT_SECONDS", 5.0, minimum=0.05)
QUERY_ASYNC_MAX_CONCURRENT_PER_TEAM = env_int("QUERY_ASYNC_MAX_CONCURRENT_PER_TEAM", 2, minimum=1)
# First run plus one re-run after a lost worker; then the job is reported failed.
QUERY_ASYNC_MAX_DELIVERIES = env_int("QUERY_ASYNC_MAX_DELIVERIES", 2, minimum=1)
# A queued job no worker has picked up this long after it was queued (or a job whose worker died
# and that no worker took over this long after that was noticed) is failed, with a message saying
# so. It must outlive a dead worker's claim (three heartbeats), or a re-run could never start,
# and be shorter than the status itself (20 minutes), or it could never fire.
QUERY_PICKUP_TIMEOUT_SECONDS = env_float("QUERY_PICKUP_TIMEOUT_SECONDS", 300.0, minimum=1.0)
if QUERY_PICKUP_TIMEOUT_SECONDS <= 3 * QUERY_ASYNC_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "QUERY_PICKUP_TIMEOUT_SECONDS must be above three QUERY_ASYNC_HEARTBEAT_SECONDS."
    )
if QUERY_PICKUP_TIMEOUT_SECONDS >= 20 * 60:
    raise ImproperlyConfigured("QUERY_PICKUP_TIMEOUT_SECONDS must be below 1200 (the status TTL).")

# --- Celery --------------------------------------------------------------------------------------
CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 330, minimum=1)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses Redis keeps trying to reconnect (backing off) instead of exiting after 100
# attempts: a long Redis outage must not need someone to restart the workers afterwards.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task still running when the broker connection drops finishes and is acknowledged on the new
# connection (Redis keeps unacked deliveries in Redis itself). Tasks are idempotent and claim their
# job (insights/queries/job_runner.py), so a redelivered copy waits instead of running twice.
# Explicit because Celery 6 flips the default to cancelling, which would kill running queries.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A message not acked within this many seconds is redelivered (Redis transport).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)
}
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT.")

# --- Metrics (/metrics) ---------------------------------------------------------------------------
# Prometheus scrapes with ``Authorization: Bearer <METRICS_TOKEN>``. Without a token, only loopback
# clients may read the metrics (METRICS_ALLOW_LOOPBACK), unless that is turned off too.
METRICS_TOKEN = env_str("METRICS_TOKEN") or None
if METRICS_TOKEN is not None and (
    len(METRICS_TOKEN) < 16 or any(c.isspace() for c in METRICS_TOKEN)
):
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 16 characters, without spaces.")
METRICS_ALLOW_LOOPBACK = env_bool("METRICS_ALLOW_LOOPBACK", default=True)

# --- REST framework ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "posthog_api.auth.PersonalAPIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "posthog_api.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "posthog_api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "posthog_api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "posthog_api.throttling.BurstRateThrottle",
        "posthog_api.throttling.SustainedRateThrottle",
    ],
    "EXCEPTION_HANDLER": "posthog_api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
PAGINATION_MAX_LIMIT = 1000
THROTTLE_BURST_RATE = env_str("THROTTLE_BURST_RATE", "480/minute") or "480/minute"
THROTTLE_SUSTAINED_RATE = env_str("THROTTLE_SUSTAINED_RATE", "4800/hour") or "4800/hour"

SPECTACULAR_SETTINGS = {
    "TITLE": "Product analytics insights API",
    "DESCRIPTION": "PostHog-compatible insights, elements and activity endpoints on PostgreSQL.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would send the schema to an outside validator for its badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "posthog_api.schema_extensions.mark_environment_routes_deprecated",
        "posthog_api.schema_extensions.declare_error_responses",
    ],
}

# --- Misc --------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"
# Only production images collect static files (into this folder) at build time.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
# Outside production, WhiteNoise serves admin and Swagger assets straight from the apps (no
# collectstatic step); production images run collectstatic at build time.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION

# An OpenAI-compatible endpoint for insights/generate_metadata; unset means the built-in describer.
LLM_API_URL = env_str("LLM_API_URL") or None
LLM_API_KEY = env_str("LLM_API_KEY") or None
LLM_MODEL = env_str("LLM_MODEL", "gpt-4o-mini") or "gpt-4o-mini"
LLM_TIMEOUT_SECONDS = env_float("LLM_TIMEOUT_SECONDS", 10.0, minimum=0.1)

# Ingestion (capture endpoints). A payload over the limit (before or after gunzip) is a 413.
# Synchronous commit (the default) acknowledges a batch only once it is on disk. Turning it off is
# faster, but a database crash could then lose the last fraction of a second of acknowledged events.
INGESTION_MAX_PAYLOAD_BYTES = env_int("INGESTION_MAX_PAYLOAD_BYTES", 20 * 1024 * 1024, minimum=1024)
INGESTION_SYNCHRONOUS_COMMIT = env_bool("INGESTION_SYNCHRONOUS_COMMIT", default=True)
INGESTION_TOKEN_CACHE_SECONDS = env_int("INGESTION_TOKEN_CACHE_SECONDS", 30, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "posthog_api.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO") or "INFO"},
}

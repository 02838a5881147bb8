"""Provcat settings, read from the environment.

With nothing set, Provcat runs on the embedded default: a SQLite file in var/ and
Celery in eager mode (tasks run in the web process). With DATABASE_URL=postgres://...
and CELERY_BROKER_URL=redis://..., it runs on PostgreSQL with real Celery workers.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEFAULT_SECRET_KEY = "provcat-insecure-development-key-do-not-use-in-production"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be {minimum} or more, not {value}")
    return value


def env_header(name: str, default: str) -> tuple[str, str] | None:
    """A request header and the value that marks a request as HTTPS, written
    "X-Forwarded-Proto: https", as Django's SECURE_PROXY_SSL_HEADER wants it; "" for none."""
    raw = os.environ.get(name, default).strip()
    if not raw:
        return None
    header, sep, value = (part.strip() for part in raw.partition(":"))
    if not sep or not value or not header or not all(c.isalnum() or c == "-" for c in header):
        raise ImproperlyConfigured(f'{name} must look like "X-Forwarded-Proto: https", not {raw!r}')
    return "HTTP_" + header.upper().replace("-", "_"), value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key: set SECRET_KEY to a long random "
        "value before running with DEBUG off."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
# `make run HOST=<name>` serves under that name: with DEBUG, let it through too.
if DEBUG and env_str("HOST").strip() not in ("", "0.0.0.0", "::") and "ALLOWED_HOSTS" not in os.environ:
    ALLOWED_HOSTS.append(env_str("HOST").strip().strip("[]"))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])


def base_uri_from_address(host: str, port: str) -> str:
    """The address `make run` serves on (HOST, PORT), as the base of links and minted URIs.
    A wildcard host (0.0.0.0, ::) is not an address anyone can follow: links name 127.0.0.1,
    and serving other machines needs PROVCAT_BASE_URI set to the name they use."""
    host = host.strip() or "127.0.0.1"
    port = port.strip() or "8000"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(f"PORT must be a port number (1-65535), not {port!r}")
    if host in ("0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URI
    return f"http://{host}:{int(port)}"


# The base of every URI the catalogue mints (datasets, organisations, activities) and of the
# demo's links. PROVCAT_BASE_URI when set; else the address `make run` serves on, from HOST
# and PORT (default http://127.0.0.1:8000).
PROVCAT_BASE_URI = (
    env_str("PROVCAT_BASE_URI") or base_uri_from_address(env_str("HOST", "127.0.0.1"), env_str("PORT", "8000"))
).rstrip("/")
if not PROVCAT_BASE_URI.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"PROVCAT_BASE_URI must be an http(s) URI, not {PROVCAT_BASE_URI!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "axes",
    "csp",
    "provenance",
    "catalogue",
    "catalogue.demo",
    "catalogue.harvest",
    "catalogue.sharing",
    "catalogue.glossary",
    "catalogue.preview",
    "catalogue.search",
    "catalogue.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL character in any text answers 400 here (PostgreSQL cannot store one).
    "config.middleware.refuse_nul_characters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

VAR_DIR = Path(env_str("PROVCAT_VAR_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    except Exception as exc:  # dj_database_url raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "provcat.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 would need an extra C dependency; PBKDF2-SHA256 at Django's current work
# factor is the strong default. Listed explicitly so the choice is visible.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, every login for that pair is refused (429, registration/locked_out.html),
# the right password too, until AXES_COOLOFF_MINUTES pass without another try. Attempts are
# rows in the database, so every web process counts the same ones. It covers the site and
# admin logins and DRF's session login (all go through authenticate(request=...)).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address is the one rate limits count (config.throttling), so a client cannot escape a
# lockout by sending its own X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "config.throttling.client_address"
LOGIN_URL = "/accounts/login/"
# Members land on their dashboard, everyone else on the search page (catalogue/publish/account_views.py).
LOGIN_REDIRECT_URL = "publish:after-sign-in"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Files browsers ask for at the site's root, whatever the page says: /favicon.ico.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# HTTPS. With DEBUG off Provcat expects to be served over HTTPS, usually by gunicorn behind
# a TLS-terminating proxy that says so in a header; each part can be switched by its variable.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
# Only a proxy that overwrites this header may be trusted with it: a client talking to
# gunicorn directly could otherwise claim HTTPS. "" switches it off.
SECURE_PROXY_SSL_HEADER = env_header("SECURE_PROXY_SSL_HEADER", "" if DEBUG else "X-Forwarded-Proto: https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The container's own health check speaks plain HTTP to 127.0.0.1.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Browsers remember HSTS for this long; subdomains and the preload list are opt-in because
# they bind every other host of the domain and are slow to undo.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# How many proxies in front of Provcat append to X-Forwarded-For: the client address that
# login lockouts and rate limits count is the one the nearest trusted proxy saw. 0 (the
# default) trusts no header and counts REMOTE_ADDR, so a client cannot pick its own address.
PROVCAT_PROXY_COUNT = env_int("PROVCAT_PROXY_COUNT", 0, minimum=0)

# Celery. No broker configured: tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    # Eager mode still takes a producer from Celery's pool for each task sent; with no broker
    # kombu would describe an AMQP connection with no host and log "No hostname was supplied".
    # Celery's connections get kombu's in-process transport instead, which connects nowhere;
    # CELERY_BROKER_URL itself stays empty, as the rest of the app reads it.
    CELERY_BROKER_READ_URL = CELERY_BROKER_WRITE_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "provcat"
CELERY_BEAT_SCHEDULE: dict = {
    "worker-heartbeat": {"task": "catalogue.worker_heartbeat", "schedule": 60.0},
    # Applies lineage rebuild requests and OpenLineage events that no nudge reached (broker down).
    "lineage-sweep": {"task": "provenance.lineage_sweep", "schedule": 30.0},
    # Analyst: re-indexes entries that disagree with their dataset (bulk loads, upstream-failure
    # marks after the lineage closure moved) and recounts the search facet totals.
    "search-index-sweep": {"task": "catalogue.search_index_sweep", "schedule": 60.0},
    "search-totals-rebuild": {"task": "catalogue.search_totals_rebuild", "schedule": 3600.0},
    # Publisher: scores datasets never scored (bulk loads); re-checks distribution links.
    "quality-sweep": {"task": "catalogue.quality_sweep", "schedule": 60.0},
    "link-check-sweep": {"task": "catalogue.link_check_sweep", "schedule": 3600.0},
    # Analyst: previews distributions never previewed, and re-reads previews older than a week.
    "preview-sweep": {"task": "catalogue.preview_sweep", "schedule": 3600.0},
    # Drains the outbox work whose nudge was lost (e.g. Redis down): lineage, scores, search, RDF.
    "outbox-sweep": {"task": "catalogue.outbox_sweep", "schedule": 30.0},
    # Harvesting: starts the jobs of sources whose schedule is due; fails jobs whose worker died.
    "harvest-schedule": {"task": "catalogue.harvest_schedule", "schedule": 60.0},
    # Sharing: agreements past their end date become expired (access already stopped with the
    # date); admins of both parties are emailed once when a review falls due.
    "sharing-daily": {"task": "catalogue.sharing_daily", "schedule": 3600.0},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Token <key>`: a token made on the account page, or one an administrator issued.
        "catalogue.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # DRF's JSON parser, refusing JSON nested too deeply with a 400 (not a RecursionError 500).
    "DEFAULT_PARSER_CLASSES": [
        "catalogue.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# Rate limits (config/throttling.py), counted in the "throttle" cache shared by every process:
# the REST API per user and per anonymous address; the CKAN action API, /catalog and
# OpenLineage ingestion each with a rate of their own, per user or else per address.
# Over a limit: 429 with Retry-After (JSON on /api/). "none" switches a limit off.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "config.throttling.AnonRateThrottle",
    "config.throttling.UserRateThrottle",
    "config.throttling.ScopeRateThrottle",
]


def env_rate(name: str, default: str) -> str | None:
    raw = env_str(name, default).strip()
    if raw.lower() == "none":
        return None
    number, _, period = raw.partition("/")
    if not (number.isdigit() and int(number) > 0 and period[:1] in ("s", "m", "h", "d")):
        raise ImproperlyConfigured(f"{name} must be a rate such as 600/minute (or none), not {raw!r}")
    return raw


REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": env_rate("API_THROTTLE_ANON", "600/minute"),
    "user": env_rate("API_THROTTLE_USER", "3000/minute"),
    "ckan": env_rate("API_THROTTLE_CKAN", "600/minute"),
    "catalog": env_rate("API_THROTTLE_CATALOG", "300/minute"),
    "openlineage": env_rate("API_THROTTLE_OPENLINEAGE", "120/minute"),
}

# Publisher: link checks (MQA accessibility). Fetching from loopback is allowed only where
# the links are served locally (tests, and the demo, whose links point at the server itself:
# so it defaults to on with DEBUG and off in production); private and link-local never are.
# Link checks can be switched off (the test suite does, so no test reaches out by accident).
PROVCAT_LINK_CHECKS = env_bool("PROVCAT_LINK_CHECKS", True)
PROVCAT_ALLOW_LOOPBACK_FETCH = env_bool("PROVCAT_ALLOW_LOOPBACK_FETCH", DEBUG)
PROVCAT_LINK_CHECK_TIMEOUT = env_int("PROVCAT_LINK_CHECK_TIMEOUT", 10)
PROVCAT_LINK_CHECK_MAX_AGE_HOURS = env_int("PROVCAT_LINK_CHECK_MAX_AGE_HOURS", 24 * 7)
# Analyst: previews of CSV, XLSX, ODS and JSON distributions (catalogue/preview/), fetched
# under the same address policy as link checks (and only when link checks are on), reading
# at most PROVCAT_PREVIEW_MAX_BYTES of each file.
PROVCAT_PREVIEWS = env_bool("PROVCAT_PREVIEWS", True)
PROVCAT_PREVIEW_MAX_BYTES = env_int("PROVCAT_PREVIEW_MAX_BYTES", 1024 * 1024, minimum=1024)
PROVCAT_PREVIEW_TIMEOUT = env_int("PROVCAT_PREVIEW_TIMEOUT", 10, minimum=1)
PROVCAT_PREVIEW_MAX_AGE_HOURS = env_int("PROVCAT_PREVIEW_MAX_AGE_HOURS", 24 * 7, minimum=1)

# Harvesting (catalogue/harvest/): a source is untrusted input, so every job is bounded. A
# response over the per-response limit, a job over its byte or time limit, or more pages than
# the page limit fails the job (and changes nothing stored: pages are all read before any write).
HARVEST_MAX_RESPONSE_BYTES = env_int("HARVEST_MAX_RESPONSE_BYTES", 50 * 1024 * 1024, minimum=1024)
HARVEST_MAX_JOB_BYTES = env_int("HARVEST_MAX_JOB_BYTES", 2 * 1024 * 1024 * 1024, minimum=1024)
HARVEST_JOB_TIMEOUT_SECONDS = env_int("HARVEST_JOB_TIMEOUT_SECONDS", 2 * 3600, minimum=1)
HARVEST_REQUEST_TIMEOUT_SECONDS = env_int("HARVEST_REQUEST_TIMEOUT_SECONDS", 60, minimum=1)
HARVEST_MAX_PAGES = env_int("HARVEST_MAX_PAGES", 20_000, minimum=1)

# Sharing agreements: how many days before an agreement's review date both parties' admins are
# reminded (and the agreement shows as due on their dashboards).
PROVCAT_SHARING_REVIEW_NOTICE_DAYS = env_int("PROVCAT_SHARING_REVIEW_NOTICE_DAYS", 30, minimum=0)

# Glossary imports (SKOS and CSV files of terms) are untrusted input: a file over these sizes
# is refused before it is parsed, and nothing is stored.
PROVCAT_GLOSSARY_IMPORT_MAX_BYTES = env_int("PROVCAT_GLOSSARY_IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
PROVCAT_GLOSSARY_IMPORT_MAX_TRIPLES = env_int("PROVCAT_GLOSSARY_IMPORT_MAX_TRIPLES", 200_000, minimum=1)
PROVCAT_GLOSSARY_IMPORT_MAX_CONCEPTS = env_int("PROVCAT_GLOSSARY_IMPORT_MAX_CONCEPTS", 10_000, minimum=1)

# Email (agreement steps, review reminders): printed to the console unless EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_str("EMAIL_USE_TLS", "false").lower() in ("1", "true", "yes")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "provcat@localhost")
# Packages asked of a CKAN source per package_search call (CKAN caps it at its rows_max, 1000).
HARVEST_CKAN_PAGE_SIZE = env_int("HARVEST_CKAN_PAGE_SIZE", 100, minimum=1)
# A running job whose worker has not reported for this long is failed (the worker died).
HARVEST_STALE_JOB_MINUTES = env_int("HARVEST_STALE_JOB_MINUTES", 15, minimum=1)

SPECTACULAR_SETTINGS = {
    "TITLE": "Provcat API",
    "DESCRIPTION": "Metadata catalogue and provenance tracker for government data.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Publisher: the API docs (Swagger UI, Redoc) served from our own static files, never a CDN.
INSTALLED_APPS.append("drf_spectacular_sidecar")
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "COMPONENT_SPLIT_REQUEST": True,
        # Operations grouped by resource with readable names ("List datasets"), config/api_docs.py.
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "config.api_docs.readable_operations",
        ],
        "REDOC_UI_SETTINGS": {"expandResponses": "200,201", "pathInMiddlePanel": True, "nativeScrollbars": True},
        "SWAGGER_UI_SETTINGS": {"deepLinking": True},
        # Harvest sources and jobs have a "kind" and a "status" of their own, beside the
        # organisations' and datasets': each choice set gets its own name in the schema.
        "ENUM_NAME_OVERRIDES": {
            "HarvestSourceKindEnum": "catalogue.harvest.models.HarvestSource.Kind",
            "HarvestJobStatusEnum": "catalogue.harvest.models.HarvestJob.Status",
        },
    }
)

# Content-Security-Policy (django-csp, v4 format): everything from our own origin, nothing
# inline: pages carry no <script> bodies, style="" or <style> (tests/test_security_headers.py
# scans the templates), so a script injected into a page despite the escaping cannot run.
# The dataset page's schema.org JSON-LD is a data block, which CSP does not execute or block.
# The API docs use drf-spectacular's split Swagger view, whose start-up script is a file.
# Redoc writes its styles as <style> elements at run time: they carry the page's nonce
# (config/api_docs.py), which django-csp adds to style-src only on a page that asked for one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        # Swagger UI draws some of its icons from data: URIs in its stylesheet.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Lineage: bounds on what one OpenLineage request may ask of the server (README, Security).
# The body limit holds for the bytes on the wire and, for gzip, for the inflated body too.
OPENLINEAGE_MAX_BODY_BYTES = env_int("OPENLINEAGE_MAX_BODY_BYTES", 20 * 1024 * 1024)
OPENLINEAGE_MAX_BATCH = env_int("OPENLINEAGE_MAX_BATCH", 1000)
# How many stored events the worker claims and applies together in one transaction.
OPENLINEAGE_APPLY_BATCH = env_int("OPENLINEAGE_APPLY_BATCH", 500)
OPENLINEAGE_MAX_DATASETS_PER_EVENT = env_int("OPENLINEAGE_MAX_DATASETS_PER_EVENT", 50)
# Each input is derived into each output, by the worker: 20 x 20 (400 derivations) took it
# 5.2 s, 50 x 50 (2,500) 22 s, from a 6 KB request (bench/openlineage_intake.py).
OPENLINEAGE_MAX_DERIVATIONS_PER_EVENT = env_int("OPENLINEAGE_MAX_DERIVATIONS_PER_EVENT", 200)
# Data quality assertions plus column metrics over one event's datasets: each is a stored row.
OPENLINEAGE_MAX_QUALITY_RESULTS_PER_EVENT = env_int("OPENLINEAGE_MAX_QUALITY_RESULTS_PER_EVENT", 500)
# Output columns plus their input fields, over every columnLineage facet of one event.
OPENLINEAGE_MAX_COLUMN_LINEAGE_PER_EVENT = env_int("OPENLINEAGE_MAX_COLUMN_LINEAGE_PER_EVENT", 2000)

# Lineage: the sweep compacts the closure (VACUUM, then REINDEX CONCURRENTLY of its indexes) when
# its table + indexes exceed this percentage of what a fresh build of its live pairs takes (a burst
# of new sources above a hub, then their removal, leaves the files at the burst's size; autovacuum
# cannot shrink them). Closures smaller than LINEAGE_COMPACT_MIN_BYTES are left alone.
LINEAGE_COMPACT_AT_PERCENT = env_int("LINEAGE_COMPACT_AT_PERCENT", 140, minimum=110)
LINEAGE_COMPACT_MIN_BYTES = env_int("LINEAGE_COMPACT_MIN_BYTES", 32 * 1024 * 1024, minimum=0)

# Analyst: seconds an anonymous visitor's rendering of a dataset page is kept (keyed by the
# dataset's version, so edits show at once); 0 renders every request.
PROVCAT_PAGE_CACHE_SECONDS = env_int("PROVCAT_PAGE_CACHE_SECONDS", 300)
# Where those pages are kept: a Redis database shared by every web process when
# PAGE_CACHE_URL is set (e.g. redis://redis:6379/2), else each process's own memory.
PAGE_CACHE_URL = env_str("PAGE_CACHE_URL", "")
if PAGE_CACHE_URL and not PAGE_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"PAGE_CACHE_URL must be a redis:// URL, not {PAGE_CACHE_URL!r}")


def redis_url_next_database(url: str) -> str:
    """The same Redis server as ``url``, in the database next to it: one number up
    (redis://h:6379/0 -> /1), or one down from 15, the last of Redis's default 16."""
    head, _, tail = url.partition("?")
    base, slash, db = head.rpartition("/")
    if slash and db.isdigit() and base.count("/") >= 2:
        number = int(db)
        return f"{base}/{number + 1 if number < 15 else number - 1}" + (f"?{tail}" if tail else "")
    return head.rstrip("/") + "/1" + (f"?{tail}" if tail else "")


# Where rate limits count: THROTTLE_CACHE_URL; else the page cache's Redis (its own key
# prefix); else the broker's Redis server, in the database next to the broker's (never the broker's
# own database, which a cache clear would empty). Only the embedded mode (no broker) counts in
# process memory, which is right there: it has one process.
THROTTLE_CACHE_URL = env_str("THROTTLE_CACHE_URL", "") or PAGE_CACHE_URL
if not THROTTLE_CACHE_URL and CELERY_BROKER_URL:
    if not CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("THROTTLE_CACHE_URL must be set (redis://...) when the broker is not Redis")
    THROTTLE_CACHE_URL = redis_url_next_database(CELERY_BROKER_URL)
if THROTTLE_CACHE_URL and not THROTTLE_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"THROTTLE_CACHE_URL must be a redis:// URL, not {THROTTLE_CACHE_URL!r}")

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": PAGE_CACHE_URL}
    if PAGE_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": THROTTLE_CACHE_URL,
        "KEY_PREFIX": "throttle",
    }
    if THROTTLE_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per task run drowns everything else, in eager mode above all.
        "celery.app.trace": {"level": env_str("CELERY_TASK_LOG_LEVEL", "WARNING")},
    },
}

"""BankOps settings, read from the environment with embedded defaults.

Nothing set: a SQLite file under var/, Celery tasks run in-process, DEBUG on.
DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… give the production shape;
DJANGO_DEBUG=0 turns on the deployment hardening that `check --deploy` asks for.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="dev-only-insecure-key" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    "treebeard",
    "simple_history",
    "axes",
    # BankOps, in the order data flows (ARCHITECTURE.md): each app builds only on those above it.
    "imports",  # the shared import engine; each app declares its KINDs in importers.py
    "accounts",
    "marketing",
    "runs",  # tracked long work: page imports now, the quarterly appraisal batch later
    "staffing",
    "appraisal",
    "demo",  # `manage.py seed_demo`
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bankops.middleware.ChineseUnlessChosen",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bankops.urls"
WSGI_APPLICATION = "bankops.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'bankops.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a request reuses its worker's connection instead of opening one
# (a new PostgreSQL connection costs more than a whole small page); checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while an import or a batch writes; IMMEDIATE takes the write
    # lock at the start of each transaction, so a check-and-write is never interleaved
    # (bankops.locks).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL;",
        transaction_mode="IMMEDIATE",
        timeout=60,  # seconds a writer waits for the write lock (an import holds it while it writes)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short queries: PostgreSQL's JIT compiles for longer than they run. Storage is SSD and the
    # working set in memory: an index probe costs about what a sequential read does (the default
    # random_page_cost of 4 is for spinning disks and steers small joins into full scans).
    PG_SESSION = env.str(
        "DATABASE_SESSION_OPTIONS", default="-c jit=off -c random_page_cost=1.1 -c max_parallel_workers_per_gather=0"
    )
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", PG_SESSION)
    # A second connection to the same database, used only to write a run's progress while the
    # import's own transaction is open, so that other requests see it at once (runs.progress).
    # SQLite has one writer at a time: there a run's progress is written between transactions.
    DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login throttling: five failures per username and address lock it for 15 minutes
# (the default would lock forever).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
FORMAT_MODULE_PATH = ["bankops.formats"]  # thousands grouped in Chinese too (bankops/formats)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request while it is missing
# Uploaded files kept with their runs (runs.Run.file); not served as static files.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    # Token first, so that an anonymous script is answered 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON parser, a body nested too deep answered 400 (bankops/parsers.py); forms as DRF has them.
    "DEFAULT_PARSER_CLASSES": [
        "bankops.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BankOps API",
    "DESCRIPTION": "营销体系与客户经理队伍管理 — the core REST endpoints of INTERFACES.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The bank's network has no internet: Swagger UI is served from our own static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Bulk import limits (imports.engine). The defaults admit a province's month of metrics (about
# 2.2 million rows) and keep a rejected file's report readable: the first errors, then a count.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=3_000_000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=512 * 1024 * 1024)
IMPORT_MAX_REPORTED_ERRORS = env.int("IMPORT_MAX_REPORTED_ERRORS", default=200)

# History is read in the admin, never reverted there: every write goes through a service.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Celery: no broker configured → tasks run eagerly in-process (the embedded set-up).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Celery beat (`celery -A bankops beat`): the registry's read model moves to the new day
# (marketing.standing); the dates it does not cover are computed meanwhile.
CELERY_BEAT_SCHEDULE = {
    "standing-rebuild": {"task": "marketing.standing_rebuild", "schedule": crontab(hour=0, minute=5)},
    # Rule P4: the quarter just ended is appraised on the 5th of the next quarter's first month
    # (its last month's metrics arrive in the first days).
    "appraisal-quarterly": {
        "task": "appraisal.quarterly",
        "schedule": crontab(day_of_month=5, month_of_year="1,4,7,10", hour=2, minute=0),
    },
}

# Runs (runs.Run): how many bad rows a run's report keeps, and how long a run waits for an
# earlier one of the same kind before going ahead anyway (the engine's lock still orders them).
RUNS_REPORT_ROWS = env.int("RUNS_REPORT_ROWS", default=500)
RUNS_WAIT_SECONDS = env.int("RUNS_WAIT_SECONDS", default=4 * 3600)
# Without a broker, a run executes in a thread of the web process (runs.services.enqueue).
RUNS_IN_THREAD = True
# The appraisal batch (rule P4): a run not finished and silent this long (each of its steps
# writes a sign of life when it begins and ends, and takes seconds) is taken for dead, and
# starting its quarter again resumes it.
APPRAISAL_STALE_SECONDS = env.int("APPRAISAL_STALE_SECONDS", default=60)
# Its credits are written in this many parts at once: one per worker process (celery -c 2).
APPRAISAL_CREDIT_PARTS = env.int("APPRAISAL_CREDIT_PARTS", default=2)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}

if not DEBUG:
    # Deployment hardening: `manage.py check --deploy` is clean with these.
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"

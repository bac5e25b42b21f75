"""The one settings module: everything that differs between machines comes from the environment.

DATABASE_URL   default: a SQLite file in the checkout (WAL, IMMEDIATE transactions)
SECRET_KEY     default: a random key kept in `.secret_key` in the checkout
DEBUG          "1" for development; off by default
ALLOWED_HOSTS  comma-separated; default localhost names
SITE_URL       absolute address of the site, used in QR codes and messages
TRUSTED_PROXIES comma-separated addresses or networks of the reverse proxies (nginx) whose
               X-Forwarded-For names the real client; default none (REMOTE_ADDR is the client)
SECURE_COOKIES "1" when served over HTTPS (behind nginx): Secure cookies, HSTS for
               SECURE_HSTS_SECONDS (default a year; SECURE_HSTS_INCLUDE_SUBDOMAINS=1 to widen)
               and X-Forwarded-Proto: https from the proxy taken as HTTPS

JIANGTAI_PRODUCTION "1": production mode (docs/deploy.md). Nothing is read from the checkout:
               SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL must be set (and DEBUG
               off), or every command refuses to start naming what is wrong. Redis holds the
               cache and the sessions; HTTPS as with SECURE_COOKIES=1, plain HTTP redirected.
REDIS_URL      production: redis://host:6379/0; CACHE_KEY_PREFIX (default "jiangtai")
               separates installations sharing one Redis
"""

import ipaddress
import json
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


PRODUCTION = env_bool("JIANGTAI_PRODUCTION")
# Keys that anyone can read (documentation examples, Django's generated placeholders) or too
# weak to sign sessions: production refuses them.
SECRET_KEY_MIN_LENGTH = 50
KNOWN_SECRET_KEYS = {"change-me", "changeme", "secret", "<long random string>"}


def _production_problems() -> list[str]:
    """What keeps production mode from starting, each naming its setting."""
    problems = []
    key = os.environ.get("SECRET_KEY", "")
    if not key:
        problems.append("SECRET_KEY is not set (production reads it from the environment only)")
    elif (
        key.lower() in KNOWN_SECRET_KEYS
        or key.startswith("django-insecure-")
        or len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < 5
    ):
        problems.append(
            f"SECRET_KEY is a demo or weak key: use a random string of at least "
            f"{SECRET_KEY_MIN_LENGTH} characters"
        )
    if env_bool("DEBUG"):
        problems.append("DEBUG is on: unset it or set DEBUG=0")
    for name, example in (
        ("ALLOWED_HOSTS", "jiangtai.example.gov.cn"),
        ("DATABASE_URL", "postgres://user:password@dbhost:5432/jiangtai"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0"),
    ):
        if not os.environ.get(name, "").strip():
            problems.append(f"{name} is not set (e.g. {name}={example})")
    return problems


if PRODUCTION and (_problems := _production_problems()):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Production mode (JIANGTAI_PRODUCTION=1) refuses to start:\n- " + "\n- ".join(_problems)
    )


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = os.environ["SECRET_KEY"] if PRODUCTION else _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
TRUSTED_PROXY_NETWORKS = [
    ipaddress.ip_network(p.strip(), strict=False)
    for p in os.environ.get("TRUSTED_PROXIES", "").split(",")
    if p.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "core.apps.TasksConfig",  # django_tasks_db, named in Chinese
    "ninja",
    "core",
    "accounts",
    "orgs",
    "access",
    "lecturers",
    "courses",
    "notifications",
    "scheduling",
    "matching",
    "evaluation",
    "development",
    "appraisal",
    "classrooms",
    "backoffice",
    "api",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, which serves static files pre-compressed itself; above everything
    # that builds a body. Text answers only: see core.middleware.CompressionMiddleware.
    "core.middleware.CompressionMiddleware",
    # Before anything reads the session, the user or the body: NUL characters and bodies
    # larger than any form takes are refused here (400 / 413).
    "core.middleware.RequestGuardMiddleware",
    # Each request reads core.read_cache's data generation once (before its first cached
    # result; a commit of its own clears it).
    "core.read_cache.RequestGenerationMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ServiceErrorPagesMiddleware",
]

ROOT_URLCONF = "jiangtai.urls"
WSGI_APPLICATION = "jiangtai.wsgi.application"

_TEMPLATE_LOADERS = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiangtai" / "templates"],
        "OPTIONS": {
            # Templates parsed once per process and kept (a list page includes its card and
            # tags per row), except with DEBUG on, where an edited template shows at once.
            "loaders": (
                _TEMPLATE_LOADERS
                if DEBUG
                else [("django.template.loaders.cached.Loader", _TEMPLATE_LOADERS)]
            ),
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reports.context_processors.navigation",
                "demo.context_processors.demo_progress",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if IS_SQLITE:
    # Writers queue on the IMMEDIATE lock instead of failing half-way through a transaction;
    # WAL lets readers go on while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=30000;"
        ),
    }
    # A file, not the shared in-memory database, so that concurrency tests see the real
    # locking of SQLite; one per test process, so that two test runs do not collide.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"jiangtai-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrPhoneBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # The demo's published password, anywhere but in a demo county.
    {"NAME": "accounts.validators.DemoPasswordValidator"},
]
# The demo county's password unless JIANGTAI_DEMO_PASSWORD names another (demo/demo.py).
DEMO_PASSWORD_DEFAULT = "demo-pass-2026"
# Failed logins per account before it is locked, and for how long (also the counting window).
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
# A browser session idle this long is logged out (accounts.middleware); counties that saved
# their rules use theirs, as they do for the two numbers above.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
# Before locking, attempts are slowed: LOGIN_DELAY_SECONDS after an account's first failure,
# doubling with each, at most LOGIN_DELAY_MAX_SECONDS; an address (never locked: a county
# behind one nginx shares it) is slowed from LOGIN_MAX_FAILURES failures on, and past
# LOGIN_ADDRESS_MAX_FAILURES its failed attempts answer 429 (correct passwords still log in).
LOGIN_DELAY_SECONDS = float(os.environ.get("LOGIN_DELAY_SECONDS", "0.5"))
LOGIN_DELAY_MAX_SECONDS = float(os.environ.get("LOGIN_DELAY_MAX_SECONDS", "3"))
LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", "20"))
# An Idempotency-Key's first answer is replayed for this long, then forgotten (api.idempotency).
IDEMPOTENCY_KEEP_HOURS = int(os.environ.get("IDEMPOTENCY_KEEP_HOURS", "168"))
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "30"))
# In the database (production: Redis, below), read through accounts.sessions.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION or env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "jiangtai" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "core.static_storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Files browsers ask for at the site's root (favicon.ico), served as they are.
WHITENOISE_ROOT = BASE_DIR / "jiangtai" / "root"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploads that only access-checked views hand out (invitation letters); never served as is.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An upload of up to 5 MB (invitation letters) plus the rest of its form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
# Video lessons come in chunks of at most the upload ceiling; the whole file up to this.
VIDEO_MAX_BYTES = int(os.environ.get("JIANGTAI_VIDEO_MAX_MB", "500")) * 1024 * 1024
# POST addresses (regular expressions matching the whole path) that take a larger file, so
# that a file over its own limit reaches the form, which names the limit, instead of a bare
# 413: an Excel import of up to 10 MB plus its form; courseware of up to 20 MB; a lecturer's
# photo (5 MB, core.images); a nomination's materials (several files of up to 5 MB each,
# core.uploads). Their multipart bodies are parsed as a stream (the file spooled to disk) by
# the request guard.
LARGE_UPLOAD_PATHS = {
    "/api/v1/imports": 10 * 1024 * 1024 + 64 * 1024,
    "/manage/import/": 10 * 1024 * 1024 + 64 * 1024,
    r"/api/v1/courses/[0-9]+/attachment": 40 * 1024 * 1024 + 64 * 1024,
    r"/my/courses/(new|[0-9]+/change)/": 40 * 1024 * 1024 + 64 * 1024,
    r"/manage/lecturers/[0-9]+/edit/": 32 * 1024 * 1024,
    r"/selection/(calls/[0-9]+/nominate|c/[^/]+)/": 30 * 1024 * 1024,
    r"/api/v1/nominations/[0-9]+/materials": 30 * 1024 * 1024,
}

# --- Retention ---------------------------------------------------------------------------
# The audit log keeps every entry at least this long (never under 183 days: the database's
# trigger refuses younger deletions); core.audit.prune deletes older ones.
AUDIT_RETENTION_DAYS = max(183, int(os.environ.get("AUDIT_RETENTION_DAYS", "365")))

# --- Background tasks -------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Logging: never personal data -------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Mobile and ID numbers masked in every record, whichever code logged them.
    "filters": {"mask_personal": {"()": "core.logmask.MaskPersonalDataFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every step of every PDF at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# --- Security headers -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Sent on every response by core.security. Every script, stylesheet, font and image is our
# own file: no inline script, event handler or style anywhere (htmx is told not to inject
# its indicator style). data: images are WeUI's icons inside its stylesheet.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Path prefix -> directives replacing the default's for pages whose markup is not ours.
CONTENT_SECURITY_POLICY_PATHS: dict[str, dict[str, list[str]]] = {}
if SESSION_COOKIE_SECURE:
    # Behind nginx terminating TLS: it tells us the request came over HTTPS (it must set
    # X-Forwarded-Proto itself, never pass the client's), and browsers are told to use
    # HTTPS only from then on. includeSubDomains only where every subdomain has HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
    if not SECURE_HSTS_INCLUDE_SUBDOMAINS:
        # Widening HSTS to every subdomain, and asking browsers to preload it, are promises
        # about the whole domain that only its owner can make: off unless asked for.
        SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

# --- Caches ----------------------------------------------------------------------------
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # core.read_cache's results: in each server process and bounded (every question asked,
    # a search's words too, is an entry for five minutes), never in the Redis that holds the
    # sessions, which a flood of questions must not push out.
    "read": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "read-cache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# --- Production mode: Redis, HTTPS only -------------------------------------------------
if PRODUCTION:
    # One Redis shared by every server: the cache and the sessions (a login is good on any
    # gunicorn machine). A Redis that does not answer within two seconds is down (/readyz).
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "jiangtai"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    # nginx redirects plain HTTP itself; this catches a request that reached gunicorn some
    # other way. Probes on the internal network ask over plain HTTP.
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Tables whose writes leave core.read_cache's cached results standing: bookkeeping that no
# cached result reads (sessions, rate counters, the tokens' last use, the login throttle, the
# audit log, idempotency records, the outbox, the task queue).
READ_CACHE_UNTRACKED_TABLES = [
    "django_session",
    "core_ratecounter",
    "accounts_apitoken",
    "accounts_loginthrottle",
    "core_auditlog",
    "api_idempotencyrecord",
    "notifications_outboxmessage",
    "django_tasks_database_dbtaskresult",
    "reports_provincesnapshot",  # rewritten every ten minutes; no cached result reads it
]

# (interval in seconds, job): run by `manage.py scheduler`, which `make run` starts.
PERIODIC_JOBS = [
    (60, "scheduling.services.bookings_expire_due"),
    (15, "notifications.tasks.queue_delivery"),
    (300, "scheduling.reminders.send_due_reminders"),
    (300, "matching.services.demands_widen_due"),
    (3600, "classrooms.services.issue_reminders_due"),
    (3600, "core.ratelimit.prune"),
    (3600, "accounts.services.login_throttles_prune"),  # counters and expired API tokens
    (3600, "accounts.services.sessions_prune"),
    (3600, "api.idempotency.prune"),
    (3600, "notifications.contact_change.prune"),
    (86400, "core.audit.prune"),
    (WORKER_HEARTBEAT_SECONDS := 15, "core.health.heartbeat_queue"),
    # Within reports.province.SNAPSHOT_MAX_AGE (15 minutes).
    (600, "reports.tasks.queue_province_refresh"),
]
# Jobs that load the search dictionaries: the scheduler runs each round in a forked child
# whose memory ends with it (core/management/commands/scheduler.py).
PERIODIC_JOBS_IN_CHILD = {"matching.services.demands_widen_due"}
# /readyz calls the task workers down when none has run the heartbeat for this long.
WORKER_HEARTBEAT_STALE_SECONDS = int(os.environ.get("WORKER_HEARTBEAT_STALE_SECONDS", "90"))

# --- Notification channels (besides the in-app inbox) ----------------------------------
# "log" writes what would be sent to the log (the demo); "aliyun" / "wechat" / "smtp" send.
_LOG_CHANNEL = "notifications.channels.log.LogChannel"
NOTIFICATION_CHANNELS = {
    "sms": (
        {
            "class": "notifications.channels.aliyun_sms.AliyunSms",
            "options": {
                "access_key_id": os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", ""),
                "access_key_secret": os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
                "sign_name": os.environ.get("ALIYUN_SMS_SIGN_NAME", ""),
                # {"booking_requested": "SMS_123456", …}: codes the provider approved
                "templates": json.loads(os.environ.get("ALIYUN_SMS_TEMPLATES", "{}")),
                "endpoint": os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
            },
        }
        if os.environ.get("SMS_BACKEND") == "aliyun"
        else {"class": _LOG_CHANNEL, "options": {"name": "sms"}}
    ),
    "wechat": (
        {
            # "wechat": the official account's template messages, to the openids bound through
            # its web authorisation; "miniprogram": the mini-program's subscribe messages.
            "class": "notifications.channels.wechat.WeChatSubscribe"
            if os.environ.get("WECHAT_BACKEND") == "miniprogram"
            else "notifications.channels.wechat.WeChatTemplate",
            "options": {
                "app_id": os.environ.get("WECHAT_APP_ID", ""),
                "app_secret": os.environ.get("WECHAT_APP_SECRET", ""),
                # {"booking_requested": ["template id", {"thing1": "title", …}], …}
                "templates": json.loads(os.environ.get("WECHAT_TEMPLATES", "{}")),
                "api_base": os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com"),
            },
        }
        if os.environ.get("WECHAT_BACKEND") in ("wechat", "miniprogram")
        else {"class": _LOG_CHANNEL, "options": {"name": "wechat"}}
    ),
    "email": (
        {"class": "notifications.channels.email.Email"}
        if os.environ.get("EMAIL_BACKEND_CHANNEL", "log") == "smtp"
        else {"class": _LOG_CHANNEL, "options": {"name": "email"}}
    ),
}
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "jiangtai@localhost")
# A worker that claimed outbox rows and died leaves them for others after this long.
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "60"))

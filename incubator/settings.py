"""One settings module, read from the environment (django-environ).

Local defaults need nothing installed: SQLite and Celery's filesystem broker. Set
`DATABASE_URL` for PostgreSQL and `REDIS_URL` for Redis. `DJANGO_DEBUG=false` is production
mode: it refuses to start without `SECRET_KEY` and `ALLOWED_HOSTS` and turns on every
security setting that `manage.py check --deploy` asks for.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
TESTING = env.bool("DJANGO_TESTING", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-key-not-for-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not SECRET_KEY:
        raise ImproperlyConfigured("Production mode (DJANGO_DEBUG=false) needs SECRET_KEY.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production mode (DJANGO_DEBUG=false) needs ALLOWED_HOSTS.")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1
# The platform's name in every email and page (allauth's emails included). Unset, it is
# "ระบบบ่มเพาะ" in Thai and "Incubator" in English; set, it is the same in both languages.
SITE_NAME = env("SITE_NAME", default="") or _("Incubator")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",  # LINE Login (incubator.linelogin), hidden unless configured
    "allauth.socialaccount.providers.line",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "simple_history",
    "import_export",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "pgtrigger",
    "incubator",
    "cohorts",
    "coaching",
    "workshops",
    "outcomes",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, already compressed, stop here
    # Pages gzipped (a form is a tenth of its size on a phone's slow line); Django's gzip adds
    # random length to every response against BREACH, and CSRF tokens are masked per request.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "incubator.middleware.LanguageMiddleware",
    "incubator.middleware.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "incubator.middleware.TwoFactorMiddleware",
]

ROOT_URLCONF = "incubator.urls"
WSGI_APPLICATION = "incubator.wsgi.application"

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
                "csp.context_processors.nonce",
                "incubator.context_processors.site",
                "incubator.context_processors.two_factor",
            ],
        },
    },
]

# Database: SQLite locally, PostgreSQL through DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # PostgreSQL's JIT spent seconds compiling the admin's list queries over 100,000 rows
    # (benchmarks/deadline_rush.py); these short OLTP queries never gain from it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # The cache lives in its own Redis database so that clearing it never touches the broker.
    _cache_url = env("REDIS_CACHE_URL", default="") or urlunsplit(urlsplit(REDIS_URL)._replace(path="/1"))
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Accounts
AUTH_USER_MODEL = "incubator.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's and allauth's backends, loading the user with the menu's roles (incubator/roles.py).
    "incubator.roles.RoleModelBackend",
    "incubator.roles.RoleAllauthBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# The confirmation signs the new person in and takes them back to where they were going (e.g. an open call).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "incubator.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "incubator.forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_PRESERVE_USERNAME_CASING = False
# allauth's own defaults, spelled out so that nobody turns them off by accident.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}

# Trust (see README, "Security"): two-factor login (allauth.mfa) for everyone who sees other
# people's data, after a grace period; the access log's retention; the readiness check.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Incubator")
MFA_GRACE_DAYS = env.int("MFA_GRACE_DAYS", default=7)
# Wrong codes are rate-limited as wrong passwords are: allauth counts them as failed logins of
# the account (ACCOUNT_RATE_LIMITS["login_failed"]: 5 in 5 minutes per account).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=730)
READY_OUTBOX_STUCK_MINUTES = env.int("READY_OUTBOX_STUCK_MINUTES", default=15)
READY_BEAT_STALE_MINUTES = env.int("READY_BEAT_STALE_MINUTES", default=5)

# Language and time
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

# Static and media
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploads people send (application attachments) are private: kept outside MEDIA_ROOT under random
# names, never served by a static route, handed out only by views that check who asks.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
PRIVATE_FILES_URL = "/files/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "incubator.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console locally (every mail is also a row in the outbox), SMTP through EMAIL_URL.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Incubator <no-reply@incubator.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email = env.email("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# A worker keeps its SMTP connection open between emails unless it has been idle this long.
EMAIL_CONNECTION_IDLE_SECONDS = env.int("EMAIL_CONNECTION_IDLE_SECONDS", default=20)

# The outbox
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_QUEUED_GRACE = timedelta(seconds=env.int("OUTBOX_QUEUED_GRACE_SECONDS", default=120))
OUTBOX_SENDING_TIMEOUT = timedelta(seconds=env.int("OUTBOX_SENDING_TIMEOUT_SECONDS", default=600))

# LINE (README "LINE"): messages through the Messaging API when a channel access token is set,
# LINE Login when a login channel is set; both off and invisible otherwise. The hosts point at
# the local fake (incubator.linefake) in tests and in `make run`'s demo mode.
LINE_CHANNEL_ACCESS_TOKEN = env("LINE_CHANNEL_ACCESS_TOKEN", default="")
LINE_CHANNEL_SECRET = env("LINE_CHANNEL_SECRET", default="")
LINE_API_HOST = env("LINE_API_HOST", default="https://api.line.me").rstrip("/")
LINE_LOGIN_CHANNEL_ID = env("LINE_LOGIN_CHANNEL_ID", default="")
LINE_LOGIN_CHANNEL_SECRET = env("LINE_LOGIN_CHANNEL_SECRET", default="")
LINE_LOGIN_HOST = env("LINE_LOGIN_HOST", default="https://access.line.me").rstrip("/")
LINE_LOGIN_API_HOST = env("LINE_LOGIN_API_HOST", default="https://api.line.me").rstrip("/")
LINE_TIMEOUT_SECONDS = env.float("LINE_TIMEOUT_SECONDS", default=10.0)
SOCIALACCOUNT_ADAPTER = "incubator.linelogin.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # a LINE address never signs in to someone's account
SOCIALACCOUNT_PROVIDERS = {
    "line": {
        "provider_class": "incubator.linelogin.provider.LineProvider",
        "SCOPE": ["profile", "openid", "email"],
        # Ask to add the LINE Official Account as a friend: a push reaches friends only.
        "AUTH_PARAMS": {"bot_prompt": "aggressive"},
        "APPS": [{"client_id": LINE_LOGIN_CHANNEL_ID, "secret": LINE_LOGIN_CHANNEL_SECRET}]
        if LINE_LOGIN_CHANNEL_ID and LINE_LOGIN_CHANNEL_SECRET
        else [],
    }
}

# Celery: Redis when REDIS_URL is set, otherwise a filesystem broker that needs no server.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # max_retries 0: a publish tries the broker once (a request never loops on a down broker).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 0}
else:
    _broker_dir = Path(env("CELERY_FILESYSTEM_BROKER_DIR", default=str(BASE_DIR / ".celery" / "broker")))
    _broker_dir.mkdir(parents=True, exist_ok=True)
    # kombu keeps its exchange tables in a "control" folder, by default in the working directory.
    _control_dir = Path(env("CELERY_FILESYSTEM_CONTROL_DIR", default=str(BASE_DIR / ".celery" / "control")))
    _control_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir),
        "store_processed": False,
        "control_folder": str(_control_dir),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request must not hang when the broker is down: the outbox sweeper sends later.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
# Workers and beat reconnect after a broker outage for as long as it lasts (None = forever; 0
# made a worker exit at the first lost connection). Requests do not use this setting.
CELERY_BROKER_CONNECTION_MAX_RETRIES = env.int("CELERY_BROKER_CONNECTION_MAX_RETRIES", default=None)
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=4)
# Let workers keep their DB connection across tasks (see incubator.celery.close_old_db_connections).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "incubator.outbox_sweep", "schedule": timedelta(minutes=1)},
    "application-deadline-reminders": {
        "task": "cohorts.plan_deadline_reminders",
        "schedule": timedelta(minutes=10),
    },
    "review-deadline-reminders": {"task": "cohorts.plan_review_reminders", "schedule": timedelta(minutes=10)},
    "outbox-purge": {"task": "incubator.outbox_purge", "schedule": crontab(hour=3, minute=30)},
    "coaching-follow-up-alerts": {"task": "coaching.plan_follow_up_alerts", "schedule": timedelta(hours=1)},
    "workshop-session-reminders": {"task": "workshops.plan_session_reminders", "schedule": timedelta(minutes=10)},
    "workshop-notices": {"task": "workshops.plan_workshop_notices", "schedule": timedelta(minutes=30)},
    "workshop-registrations": {"task": "workshops.sync_registrations", "schedule": timedelta(minutes=10)},
    "beat-heartbeat": {"task": "incubator.beat_heartbeat", "schedule": timedelta(minutes=1)},
    "access-log-purge": {"task": "incubator.access_log_purge", "schedule": crontab(hour=3, minute=45)},
    "data-exports-sweep": {"task": "incubator.data_exports_sweep", "schedule": timedelta(minutes=10)},
    "cohorts-retention": {"task": "cohorts.plan_retention", "schedule": timedelta(hours=1)},
    "interview-reminders": {"task": "cohorts.plan_interview_reminders", "schedule": timedelta(minutes=10)},
}

# Security
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# The coaches' workspace shows each cohort's next workshop through this hook (coaching does
# not import workshops; the settings may name both).
COACHING_NEXT_WORKSHOP_SELECTOR = env(
    "COACHING_NEXT_WORKSHOP_SELECTOR", default="workshops.selectors.next_workshops_by_cohort"
)

# The research export's pseudonyms: HMAC-SHA256 of each id with this key, so they are stable
# across exports and cohorts but cannot be turned back into ids without it. Keep it secret and
# unchanged (a new key gives every person and organisation a new pseudonym).
RESEARCH_PSEUDONYM_KEY = env("RESEARCH_PSEUDONYM_KEY", default="") or f"research:{SECRET_KEY}"
# How long the public showcase keeps its data cached (consent changes clear it at once).
SHOWCASE_CACHE_SECONDS = env.int("SHOWCASE_CACHE_SECONDS", default=600)

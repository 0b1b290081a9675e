"""Settings for the Sister City Campaign site, read from the environment.

Every value has a safe default for a laptop (SQLite, eager Celery, mail to the console);
real services are switched on by environment variables documented in README.md.
Set ``PRODUCTION=true`` on servers: it refuses to start with DEBUG on or a default secret.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from core.mailurl import mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 (refused in production)

PRODUCTION = env.bool("PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("PRODUCTION=true refuses to run with DEBUG on.")
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("PRODUCTION=true needs a random SECRET_KEY of 50+ characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("PRODUCTION=true needs ALLOWED_HOSTS.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "import_export",
    "simple_history",
    "django_countries",
    "core",
    "officials",
    "campaigns",
    "petitions",
    "comments",
    "mailer",
    "outreach",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="sistercity"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Seconds an anonymous public page (status table, campaign page) may be served from cache.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)

# Celery: with no broker configured, tasks run eagerly in the web process (local runs).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "mailer.tasks.sweep_outbox", "schedule": 60.0},
    "expire-pending-signatures": {
        "task": "petitions.tasks.expire_pending_signatures",
        "schedule": 3600.0,
    },
    "comment-moderation-digest": {
        "task": "comments.tasks.send_moderation_digest",
        "schedule": 900.0,
    },
}

# Number of reverse proxies in front of the app that append to X-Forwarded-For. 0 (default):
# the header is ignored, so clients cannot spoof their IP for rate limits.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Rate limits, "count/seconds", comma-separated; all must hold.
PETITION_SIGN_RATES_PER_IP = env.list("PETITION_SIGN_RATES_PER_IP", default=["1/60", "5/300"])
PETITION_SIGN_RATES_PER_PETITION = env.list("PETITION_SIGN_RATES_PER_PETITION", default=["6000/60"])
COMMENT_RATES_PER_IP = env.list("COMMENT_RATES_PER_IP", default=["3/60", "20/3600"])
COMMENT_RATES_PER_EMAIL = env.list("COMMENT_RATES_PER_EMAIL", default=["3/60", "20/3600"])
# The same text from the same author on the same page within this window is stored once.
COMMENT_DUPLICATE_WINDOW = datetime.timedelta(
    hours=env.int("COMMENT_DUPLICATE_WINDOW_HOURS", default=24)
)
# Links in comments: a bare "www.example.org" becomes https:// (Django 2028's default).
URLIZE_ASSUME_HTTPS = True
# Moderators get a digest email once this many comments were held since the last one (0: never).
COMMENT_DIGEST_THRESHOLD = env.int("COMMENT_DIGEST_THRESHOLD", default=10)

# Petitions: how long an unconfirmed signature is kept, how often a confirmation may be resent.
PETITION_PENDING_TTL = datetime.timedelta(hours=env.int("PETITION_PENDING_TTL_HOURS", default=72))
PETITION_RESEND_INTERVAL = datetime.timedelta(
    minutes=env.int("PETITION_RESEND_INTERVAL_MINUTES", default=15)
)
# Key of the HMAC that stores client IPs as hashes (never raw); defaults to one derived
# from SECRET_KEY so rotating the secret also unlinks old hashes.
IP_HASH_KEY = env.str("IP_HASH_KEY", default="") or f"ip-hash:{SECRET_KEY}"

# Mail (Django 6.1 MAILERS). EMAIL_URL: console://, file:///dir, smtp://…, smtp+tls://…,
# smtps://…, anymail://<esp> (with ANYMAIL_* credentials).
MAILERS = {"default": mailer_from_url(env.str("EMAIL_URL", default="console://"))}
ANYMAIL = env.json("ANYMAIL", default={})
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Sister City Campaign <campaign@localhost>"
)
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Right-hand side of the Message-IDs the outbox generates.
MAIL_MESSAGE_ID_DOMAIN = env.str("MAIL_MESSAGE_ID_DOMAIN", default="sistercity.localhost")
# Replies to outreach go to reply+<token>@OUTREACH_REPLY_DOMAIN (empty: no per-message
# Reply-To; replies then match by In-Reply-To/References only).
OUTREACH_REPLY_DOMAIN = env.str("OUTREACH_REPLY_DOMAIN", default="")
# How outreach templates sign ({{ sender_name }}).
OUTREACH_SENDER_NAME = env.str("OUTREACH_SENDER_NAME", default="The Sister City Campaign")
# Per recipient domain, for the categories below: officials' small mail servers must not see
# a burst from us. "count/seconds", all must hold; over it, a row waits for the window.
OUTBOX_DOMAIN_RATES = env.list("OUTBOX_DOMAIN_RATES", default=["30/60", "300/3600"])
OUTBOX_THROTTLED_CATEGORIES = env.list(
    "OUTBOX_THROTTLED_CATEGORIES", default=["outreach", "petition-delivery"]
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"

ADMIN_URL = env.str("ADMIN_URL", default="admin/")
LOGIN_URL = "admin:login"

# Content Security Policy (Django 6.1 built-in): no inline code, scripts need the nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# django-import-export: imports run in one transaction; nothing half-written on error.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

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
    "django.contrib.sitemaps",
    "import_export",
    "simple_history",
    "django_countries",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "officials",
    # Before campaigns: its permissions must exist when campaigns' post_migrate sets roles.
    "embassies",
    "campaigns",
    "petitions",
    "comments",
    "mailer",
    "outreach",
    "updates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns django-axes' lockout signal into the lockout page (templates/lockout.html).
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
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
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
# Seconds a Redis connect or command may take before the cache gives up (and fails open).
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=1.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="sistercity"),
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
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
    # Proves that a worker consumes the queue: /healthz reports the heartbeat's age.
    "celery-heartbeat": {
        "task": "core.tasks.heartbeat",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    "sweep-outbox": {"task": "mailer.tasks.sweep_outbox", "schedule": 60.0},
    "expire-pending-signatures": {
        "task": "petitions.tasks.expire_pending_signatures",
        "schedule": 3600.0,
    },
    "comment-moderation-digest": {
        "task": "comments.tasks.send_moderation_digest",
        "schedule": 900.0,
    },
    "expire-pending-followers": {
        "task": "updates.tasks.expire_pending_followers",
        "schedule": 3600.0,
    },
    # Clears old IP hashes and deletes old sent mail (core.personal_data, RETENTION_*).
    "apply-retention": {"task": "core.tasks.apply_retention", "schedule": 86400.0},
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
# Follow by email: rate limits per client IP, how long an unconfirmed follower is kept, how
# often following again re-sends the confirmation.
FOLLOW_RATES_PER_IP = env.list("FOLLOW_RATES_PER_IP", default=["3/60", "20/3600"])
FOLLOW_PENDING_TTL = datetime.timedelta(hours=env.int("FOLLOW_PENDING_TTL_HOURS", default=72))
FOLLOW_RESEND_INTERVAL = datetime.timedelta(
    minutes=env.int("FOLLOW_RESEND_INTERVAL_MINUTES", default=15)
)
# Key of the HMAC that stores client IPs as hashes (never raw); defaults to one derived
# from SECRET_KEY so rotating the secret also unlinks old hashes.
IP_HASH_KEY = env.str("IP_HASH_KEY", default="") or f"ip-hash:{SECRET_KEY}"
# Retention (daily task): IP hashes of signatures, comments and flags are cleared after this
# many days; sent or failed mail (except letters to officials) is deleted after this many.
RETENTION_IP_HASH_DAYS = env.int("RETENTION_IP_HASH_DAYS", default=90)
RETENTION_MAIL_DAYS = env.int("RETENTION_MAIL_DAYS", default=180)

# Mail (Django 6.1 MAILERS). EMAIL_URL: console://, file:///dir, smtp://…, smtp+tls://…,
# smtps://…, anymail://<esp> (with ANYMAIL_* credentials).
MAILERS = {"default": mailer_from_url(env.str("EMAIL_URL", default="console://"))}
ANYMAIL = env.json("ANYMAIL", default={})
# "user:password" the ESP's webhooks send as HTTP basic auth (comma-separated while rotating).
# Empty: the /anymail/ webhooks answer 404 (mailer.urls), never open to anyone.
ANYMAIL_WEBHOOK_SECRET = env.list("ANYMAIL_WEBHOOK_SECRET", default=[])
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
# Days the signed link to the signatures CSV in a petition delivery mail keeps working.
OUTREACH_CSV_LINK_DAYS = env.int("OUTREACH_CSV_LINK_DAYS", default=30)
# Attachments of officials' replies: larger ones, and types not listed, are skipped (and
# noted on the response). .hwp is the Korean government's word processor format.
INBOUND_ATTACHMENT_MAX_BYTES = env.int("INBOUND_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
INBOUND_ATTACHMENT_TYPES = env.list(
    "INBOUND_ATTACHMENT_TYPES",
    default=[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/x-hwp",
        "application/haansofthwp",
        "application/vnd.hancom.hwp",
    ],
)
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
        "OPTIONS": {"min_length": 12},
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
# Uploaded files (reply attachments): never served publicly, staff download them through
# the admin with a permission check.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Public uploads (campaign images), kept apart from MEDIA_ROOT's private files. Django serves
# them only with DEBUG on; in production the web server serves PUBLIC_MEDIA_ROOT at this URL.
PUBLIC_MEDIA_ROOT = Path(env.str("PUBLIC_MEDIA_ROOT", default=str(BASE_DIR / "public-media")))
PUBLIC_MEDIA_URL = "/uploads/"

ADMIN_URL = env.str("ADMIN_URL", default="admin/")
LOGIN_URL = "admin:login"

# Staff logins (django-axes): AXES_FAILURE_LIMIT failed logins for one username from one
# client IP lock that pair out for AXES_COOLOFF_MINUTES (a 429 page); a success resets it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"  # honours TRUSTED_PROXY_COUNT
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.views.login_locked_out"
# Two-factor logins for staff (django-otp, TOTP): when true the admin login also asks for a
# code from an authenticator app, so every staff user (moderators too) needs a TOTP device,
# added by a superuser in the admin (set it up before switching this on).
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=False)
OTP_TOTP_ISSUER = "Sister City Campaign"

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
    # Campaign videos, loaded only when the supporter clicks play (static/js/video.js).
    "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page here uses (header set by core.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "interest-cohort": [],
    "browsing-topics": [],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: forms carry the token (core.pagecache stamps it in).
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe /healthz over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading is hard to undo (browsers ship the list), so it is a deliberate opt-in.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# django-import-export: imports run in one transaction; nothing half-written on error.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# LOG_FORMAT=json: one JSON object per line, for a log collector; text: for people.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Its version banner on every start; lockouts are still logged (as warnings).
        "axes.apps": {"level": "WARNING"},
    },
}

# Errors go to Sentry only when SENTRY_DSN is set (needs `pip install -e ".[sentry]"`).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from core.logging import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

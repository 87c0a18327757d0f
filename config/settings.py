"""Settings of the Bochum Strategie decision engine.

Every value comes from the environment; the defaults give the embedded mode (SQLite in ``var/``, a broker
on the file system, mails written to ``var/mail/``) so that ``make run`` needs no server.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the product needs a secret key of at least 50 random "
            "characters in the environment variable SECRET_KEY (or set DEBUG=true for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-in-production-0123456789"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin site asks for a second factor (config/admin_site.py); it replaces "django.contrib.admin".
    "config.apps.StrategieAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "viewflow",
    "viewflow.workflow",
    "django_celery_beat",
    "core",  # the forms' KERN templates (core/templates/core/)
    "outbox",
    "governance",
    "workflow",
    "notifications",
    # Login: lockout, second factor, single sign-on (see the "Login" block below).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "mozilla_django_oidc",
    # Headers and sessions: who holds which session, for "Überall abmelden" (last: it extends the user admin).
    "config.usersessions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Headers and sessions: Permissions-Policy, no-store when signed in, CSP (also on static files).
    "config.security.SecurityHeadersMiddleware",
    "config.security.ProductCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Login: which device verified the session (django-otp), then the lockout page (django-axes).
    "django_otp.middleware.OTPMiddleware",
    "axes.middleware.AxesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Headers and sessions: idle timeout and lifetime of a signed-in session (needs messages).
    "config.security.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite (embedded mode): WAL and immediate transactions so that the web server and the worker may write at
# once without "database is locked"; PostgreSQL in production and CI.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# A new PostgreSQL connection per request costs a handshake and a cold catalog cache in the server process
# (measured 20-40 ms on the first queries); a worker keeps its connection for a while and checks it first.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Every choice list of a form is read with .iterator(), which on PostgreSQL means a server-side cursor:
    # DECLARE, FETCH and CLOSE, three round trips per list (16 for the overview's filters). The lists are
    # small; a plain query is one round trip.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered dashboard bodies. Keys carry a data version read from the database, so a cache per process
# (the default) is never stale; Redis (rediscache://…) shares one copy between the workers.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

AUTHENTICATION_BACKENDS = [
    # First: a locked-out account or client is refused before any password is hashed.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on; answers only the provider's callback and only with OIDC_ENABLED.
    "config.auth.StrategieOIDCBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
# --- Date formats: English in British/ISO style, 24-hour clock (config/formats/en/formats.py) ------------
FORMAT_MODULE_PATH = "config.formats"
# --- end date formats -------------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("kern", BASE_DIR / "frontend" / "node_modules" / "@kern-ux" / "native" / "dist"),
    ("htmx", BASE_DIR / "frontend" / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # The documents of the KA: files under var/dokumente/ by default, outside every served folder (no URL;
    # only the download view hands them out, after the KA's visibility rules). Any django-storages backend
    # by setting, e.g. DOCUMENTS_STORAGE_BACKEND=storages.backends.s3.S3Storage and
    # DOCUMENTS_STORAGE_OPTIONS='{"bucket_name": "dokumente", "endpoint_url": "https://s3.example"}'.
    "dokumente": {
        "BACKEND": env.str("DOCUMENTS_STORAGE_BACKEND", default="")
        or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": env.json("DOCUMENTS_STORAGE_OPTIONS", default={}),
    },
}
if STORAGES["dokumente"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
    STORAGES["dokumente"]["OPTIONS"].setdefault("location", str(VAR_DIR / "dokumente"))
# The largest document taken (bytes). A larger upload is not kept at all: core.uploads counts its bytes and
# drops them, and the form says it is too large.
DOKUMENT_MAX_BYTES = env.int("DOKUMENT_MAX_BYTES", default=20 * 1024 * 1024)
UPLOAD_MAX_BYTES = DOKUMENT_MAX_BYTES
FILE_UPLOAD_HANDLERS = [
    "core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
# --- Static build: viewflow's unused front end is not collected (see config/staticfiles.py) ---------------
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "config.staticfiles.ProductAppDirectoriesFinder",
]
# --- end static build -------------------------------------------------------------------------------------

# Mail: written to var/mail/ in the embedded mode; EMAIL_URL=smtp://user:password@host:port for a real server.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Bochum Strategie <strategie@bochum.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = VAR_DIR / "mail"
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Celery: a file-system broker in the embedded mode (a real worker, no server); redis://… in production.
# --- Embedded broker: kombu's file-system transport with atomic writes (config/broker.py) ----------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
EMBEDDED_BROKER = CELERY_BROKER_URL.startswith("filesystem")
# kombu takes no import path in a URL: the URL stays filesystem://, this setting picks the safe transport.
CELERY_BROKER_TRANSPORT = "config.broker:Transport" if EMBEDDED_BROKER else None
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "temp_folder": str(VAR_DIR / "broker" / "tmp"),
        "store_processed": False,
    }
    if EMBEDDED_BROKER
    else {"visibility_timeout": 3600}
)
# The file-system broker polls and writes folders that must exist before web server or worker use them.
for _folder in ("data_folder_in", "processed_folder", "control_folder", "temp_folder"):
    if _folder in CELERY_BROKER_TRANSPORT_OPTIONS:
        Path(str(CELERY_BROKER_TRANSPORT_OPTIONS[_folder])).mkdir(parents=True, exist_ok=True)
# --- end embedded broker ----------------------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Security: strict in production (DEBUG off), relaxed only for local plain-HTTP development.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Headers and sessions (config/security.py, config/usersessions) ----------------------------------------
# Shared office PCs: a session ends 8 hours after sign-in at the latest, or after 30 idle minutes.
SESSION_MAX_SECONDS = env.int("SESSION_MAX_SECONDS", default=8 * 3600)
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
# A strict policy: nothing inline, nothing from elsewhere. KERN's CSS draws its icons as data: SVG images.
# OIDC_OP_AUTHORIZATION_ENDPOINT's origin joins form-action while single sign-on is on (config/security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# --- end headers and sessions -----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Notifications (outbox delivery; see outbox/delivery.py) ---------------------------------------------
# A worker's claim reaches one mail's worst-case send (EMAIL_TIMEOUT times every SMTP command of that mail,
# plus NOTIFICATIONS_LEASE_MARGIN_SECONDS) plus this; it is renewed before a mail it would not outlast. The
# rows of a worker that died are taken over after at most that long.
NOTIFICATIONS_CLAIM_SECONDS = env.int("NOTIFICATIONS_CLAIM_SECONDS", default=60)
NOTIFICATIONS_REQUEUE_SECONDS = env.int("NOTIFICATIONS_REQUEUE_SECONDS", default=600)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
# Delivery in batches: a worker claims this many rows, sends them over one SMTP connection, and keeps
# claiming for NOTIFICATIONS_DRAIN_SECONDS; the sweep asks for at most NOTIFICATIONS_PARALLEL_BATCHES drains.
NOTIFICATIONS_BATCH_SIZE = env.int("NOTIFICATIONS_BATCH_SIZE", default=50)
NOTIFICATIONS_DRAIN_SECONDS = env.int("NOTIFICATIONS_DRAIN_SECONDS", default=60)
NOTIFICATIONS_PARALLEL_BATCHES = env.int("NOTIFICATIONS_PARALLEL_BATCHES", default=4)
NOTIFICATIONS_LEASE_MARGIN_SECONDS = env.int("NOTIFICATIONS_LEASE_MARGIN_SECONDS", default=30)
# The sweep never waits behind mail: its own queue ("sweep"); deliveries in "mail". Workers consume both
# (-Q celery,sweep,mail) or run one worker per queue.
CELERY_TASK_ROUTES = {
    "notifications.sweep": {"queue": "sweep"},
    "notifications.deliver": {"queue": "mail"},
    "notifications.deliver_batch": {"queue": "mail"},
}
# --- end notifications --------------------------------------------------------------------------------

# --- Login: lockout (django-axes), second factor (django-otp), single sign-on (mozilla-django-oidc) -------
# Lockout per account and per client: LOGIN_FAILURE_LIMIT wrong passwords within LOGIN_COOLOFF_MINUTES lock
# that user name and that address until the time has passed or an administrator releases them in the admin
# („Zugriffsversuche“, action „Sperre aufheben“). Counted in the database (SQLite or PostgreSQL).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success does not wipe the failures: it would wipe those of the whole address, so a guesser with an account
# of their own could sign in between guesses and never reach the limit. Failures age out with the cool-off.
AXES_RESET_ON_SUCCESS = False
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "config.auth_views.lockout"
AXES_HTTP_RESPONSE_CODE = 429
# The client is REMOTE_ADDR; behind reverse proxies set how many of them append to X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "config.auth.client_ip"
LOGIN_TRUSTED_PROXIES = env.int("LOGIN_TRUSTED_PROXIES", default=0)

# Second factor: an authenticator app (TOTP); the admin requires it, everyone with a local account may use it.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Bochum Strategie")

# Single sign-on with the city's identity provider (OpenID Connect, e.g. Keycloak); off unless OIDC_ENABLED.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
# Either the discovery document or the endpoints one by one (those set win).
OIDC_OP_DISCOVERY = env.str("OIDC_OP_DISCOVERY", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
# The claim with the person's provider groups and which group gives which role ("gruppe=Rolle,…").
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="groups")
OIDC_ROLE_MAP = env.dict("OIDC_ROLE_MAP", default={})
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_CALLBACK_CLASS = "config.auth_views.OIDCCallbackView"
OIDC_AUTHENTICATE_CLASS = "config.auth_views.OIDCStartView"
# --- end login ----------------------------------------------------------------------------------------------

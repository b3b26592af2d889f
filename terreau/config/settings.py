"""Terreau settings, read from the environment.

Defaults give the embedded set-up (SQLite, local-memory cache, console email) so that
`make run` works on a fresh clone. Production sets DJANGO_ENV=production and the
variables documented in README ("Deploying").
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

ENVIRONMENT = env.str("DJANGO_ENV", default="development")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-change-me-" + "x" * 20)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "mozilla_django_oidc",
    "terreau.core",
    "terreau.accounts",
    "terreau.territories",
    "terreau.processes",
    "terreau.audit",
    "terreau.discussions",
    "terreau.moderation",
    "terreau.api",
    "terreau.opendata",
    "terreau.pages",
    "terreau.consultations",
    "terreau.petitions",
    # Last: its demo runs after every feature app's demo has written contributions.
    "terreau.synthesis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "terreau.core.middleware.HtmxOnDemandMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "terreau.accounts.middleware.StaffMFAMiddleware",
]

ROOT_URLCONF = "terreau.config.urls"
WSGI_APPLICATION = "terreau.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "terreau" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "terreau.core.context_processors.site",
                "terreau.accounts.oidc.oidc_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'terreau.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work together; IMMEDIATE takes the write lock at
    # BEGIN so concurrent writers queue on busy_timeout instead of failing mid-way.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
    _db.setdefault("TEST", {})["NAME"] = env.str("SQLITE_TEST_NAME", default="") or None
else:
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
    if _db["ENGINE"].endswith("postgresql"):
        # Django's cursors send parameters inline and never prepare; the project prepares one
        # statement itself, the signature INSERT (petitions.services), planned once per
        # connection instead of once per signature. A threshold no query reaches keeps
        # psycopg from preparing anything else; see docs/deployment.md for poolers.
        _db.setdefault("OPTIONS", {}).update(
            prepare_threshold=1_000_000_000, options="-c plan_cache_mode=force_generic_plan"
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://terreau")}

# --- Tasks (Django's Tasks API; database backend by default) --------------------------
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# --- Authentication -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "terreau.accounts.oidc.FranceConnectBackend",
    "terreau.accounts.oidc.ProConnectBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Terreau] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_ADAPTER = "terreau.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "terreau.accounts.forms.SignupForm"}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_email": "5/m/user",
    "confirm_email": "1/3m/key",
    "manage_email": "10/m/user",
}
if env.bool("DISABLE_RATE_LIMITS", default=False):
    ACCOUNT_RATE_LIMITS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Terreau"
# Local demo only: allauth refuses a bypass code unless DEBUG is on. `make run` sets it
# so the demo staff accounts (TOTP enrolled) can log in without an authenticator app.
if DEBUG and not PRODUCTION:
    MFA_TOTP_INSECURE_BYPASS_CODE = env.str("MFA_DEMO_CODE", default="") or None

# FranceConnect / ProConnect (OpenID Connect). Off unless their client id is set.
OIDC_PROVIDERS = {
    name: {
        "client_id": env.str(f"{name.upper()}_CLIENT_ID", default=""),
        "client_secret": env.str(f"{name.upper()}_CLIENT_SECRET", default=""),
        "issuer": env.str(f"{name.upper()}_ISSUER", default=""),
        "scopes": env.str(f"{name.upper()}_SCOPES", default=scopes),
    }
    for name, scopes in (
        ("franceconnect", "openid given_name family_name email"),
        ("proconnect", "openid given_name usual_name email siret"),
    )
}
for _name in OIDC_PROVIDERS:
    OIDC_PROVIDERS[_name]["sign_algo"] = env.str(f"{_name.upper()}_SIGN_ALGO", default="RS256")

# --- Email ----------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587 or consolemail:// (default).
_email = env.email_url("EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://")
_email_options = {
    key: _email[f"EMAIL_{name}"]
    for key, name in (
        ("host", "HOST"),
        ("port", "PORT"),
        ("username", "HOST_USER"),
        ("password", "HOST_PASSWORD"),
        ("use_tls", "USE_TLS"),
        ("use_ssl", "USE_SSL"),
    )
    if _email.get(f"EMAIL_{name}") not in (None, "")
}
if "smtp" in _email["EMAIL_BACKEND"]:
    _email_options.setdefault("timeout", 10)
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Terreau <ne-pas-repondre@terreau.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "terreau" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
if not PRODUCTION:
    # WhiteNoise warns on every request when STATIC_ROOT is missing (before collectstatic).
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_IMAGE_BYTES = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF, *env.list("CSP_FORM_ACTION", default=[])],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Terreau --------------------------------------------------------------------------
TERREAU_DEMO_PASSWORD = "terreau-demo-2026"  # noqa: S105 - demo accounts only, refused in production  # noqa: S105 - demo accounts only, refused in production

# Petition fraud rules (terreau/petitions/fraud.py; keys missing here use its DEFAULTS).
# Signatures over these limits are kept but marked and left out of the count.
TERREAU_PETITION_FRAUD = {
    "window": env.int("TERREAU_PETITION_FRAUD_WINDOW", default=3600),  # seconds
    "ip_limit": env.int("TERREAU_PETITION_FRAUD_IP_LIMIT", default=10),  # per IP, per petition
    "range_limit": 50,  # per /24 or /48, per petition, and > range_share of the window
    "range_share": 0.2,
    "domain_limit": 100,  # per non-webmail domain, per petition, and > domain_share
    "domain_share": 0.2,
    "country_limit": 100,  # per country outside home_countries, and > country_share
    "country_share": 0.3,
}

"""Settings, all read from the environment (12-factor), then `.env`, then `var/local.env`.

CASINO_ENV says what kind of start this is: `production` (the default) or `local` (`make run`,
`make test`, `make bench`). No secret has a default in either: a missing or, in production, a
known or weak SECRET_KEY or FRONTEND_API_KEYS stops every process (web, worker, beat,
manage.py) here with a message naming the variable. Production also turns on HTTPS-only
cookies, HSTS and the redirect to HTTPS (docs/deploy.md).

PostgreSQL is required (DATABASE_URL): `make run` and `make test` start an embedded one when
none is configured, and `make run` writes its address, with generated local secrets, to
`var/local.env` (scripts/run_local.py), so the management commands run beside it find it.
With no REDIS_URL the Celery broker is a local folder and the cache a shared folder.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from casino.environment import LOCAL, PRODUCTION, environment_problem, frontend_keys_problem, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# Written once by `make run` (scripts/run_local.py): the embedded database's address and
# generated local secrets. Never overrides the real environment or `.env`, and never read by a
# start that says it is production (docker-compose.yml does): a stray local file must not lend
# its secrets or database to a server.
# LOCAL_ENV_FILE names another such file (the tests of these rules point it at none).
if env("CASINO_ENV", default="") != PRODUCTION:
    environ.Env.read_env(env("LOCAL_ENV_FILE", default=str(BASE_DIR / "var" / "local.env")), overwrite=False)


def _refuse(problem: str | None) -> None:
    if problem:
        raise ImproperlyConfigured(problem)


CASINO_ENV = env("CASINO_ENV", default=PRODUCTION)
_refuse(environment_problem(CASINO_ENV))
IS_PRODUCTION = CASINO_ENV == PRODUCTION

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
_refuse(secret_key_problem(SECRET_KEY, environment=CASINO_ENV))
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Aggregator secrets are stored encrypted (casino/crypto.py). Comma-separated Fernet keys: the
# first encrypts, all decrypt, so a key is rotated by putting the new one first (docs/architecture.md).
# No default: a made-up key would leave secrets unreadable under the real one, or readable by anyone.
FIELD_ENCRYPTION_KEYS = [key.strip() for key in env.list("FIELD_ENCRYPTION_KEYS", default=[]) if key.strip()]
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS is not set: it encrypts aggregator secrets at rest. Generate a key with "
        'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" '
        "and set FIELD_ENCRYPTION_KEYS=<that key> in the environment (comma-separated, newest first, "
        "while rotating)."
    )

INSTALLED_APPS = [
    # The admin, whose index is the dashboard and which has the player page (casino/admin_site.py).
    "casino.apps.BackOfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "casino",
    "wallet",
    "games",
    "reconciliation",
    "compliance",
]
if CASINO_ENV != PRODUCTION:
    # The fake aggregator and its demo commands (load_demo, sandbox_server, sandbox_play): a
    # production start does not even have them.
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    # First: every later middleware's log lines carry the request id (casino/logs.py).
    "casino.logs.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "casino.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "casino.replica.ReplicaListsMiddleware",
]

# The aggregators' server-to-server calls (signed JSON: no browser, session or staff user) pass
# through only these middleware, in production's WSGI application (casino/wsgi.py).
CALLBACK_PATH_PREFIXES = ("/api/v1/wallet/", "/api/hub88/", "/api/v1/settlement/", "/bench/")
CALLBACK_MIDDLEWARE = ["casino.logs.RequestContextMiddleware", "django.middleware.security.SecurityMiddleware"]

ROOT_URLCONF = "casino.urls"
WSGI_APPLICATION = "casino.wsgi.application"

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

# --- Database ---------------------------------------------------------------------------
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: point it at PostgreSQL (postgres://user@host:5432/casino), or use"
        " `make run` / `make test`, which start an embedded PostgreSQL under var/ when it is unset."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
# No ATOMIC_REQUESTS: money code shows its own transaction boundaries (wallet/services/).
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A connection that answered less than this long ago is not checked again at the start of a
# request (casino/database/base.py: the check is a round trip on every wallet callback). 0: check
# before every request, as Django does.
DB_HEALTH_CHECK_SECONDS = env.float("DB_HEALTH_CHECK_SECONDS", default=1.0)
# A wallet callback must never hang on a row lock: PostgreSQL gives up after this long and
# the callback answers 503 RETRY (go-live item 12). Set per connection, so it costs no query.
DB_LOCK_TIMEOUT_MS = env.int("DB_LOCK_TIMEOUT_MS", default=2000)
# The money path's few statements run on every callback: wallet/rows.py sends them through
# cursors that bind parameters on the server, and psycopg prepares each after this many runs
# on a connection, so PostgreSQL stops parsing and planning them every time (the database's
# CPU per bet fell by about 40 %, docs/benchmarks.md). Django's own cursors bind on the client
# and never prepare. Set 0 (off) behind a pooler in transaction mode without prepared
# statement support (PgBouncer < 1.21).
DB_PREPARE_THRESHOLD = env.int("DB_PREPARE_THRESHOLD", default=5)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    # One money writer: the ledger's guards and the money path's SQL are PostgreSQL's.
    raise ImproperlyConfigured(f"DATABASE_URL must be a PostgreSQL URL, not {DATABASES['default']['ENGINE']}")
DATABASES["default"]["ENGINE"] = "casino.database"  # Django's PostgreSQL backend, health check aside
DATABASES["default"].setdefault("OPTIONS", {}).update(
    options=f"-c lock_timeout={DB_LOCK_TIMEOUT_MS}", prepare_threshold=DB_PREPARE_THRESHOLD or None
)
# Admin lists, reports and exports may read from a replica; the money path never does
# (casino/replica.py). Without DATABASE_REPLICA_URL the alias names the primary and nothing is
# routed to it (no second connection to the same server). Tests mirror it.
DATABASE_REPLICA = bool(env("DATABASE_REPLICA_URL", default=""))
DATABASES["replica"] = {
    **DATABASES["default"],
    **(env.db("DATABASE_REPLICA_URL") if DATABASE_REPLICA else {}),
    "OPTIONS": dict(DATABASES["default"]["OPTIONS"]),
    "TEST": {"MIRROR": "default"},
}
DATABASE_ROUTERS = ["casino.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# The cache only counts inbound rate limits, which fail open: a Redis that hangs must cost a
# wallet callback a fraction of a second, never the seconds an aggregator waits (item 12).
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.25)
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": CACHE_TIMEOUT_SECONDS, "socket_timeout": CACHE_TIMEOUT_SECONDS}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    # Without Redis the processes of `make run` (web, worker, beat) share a cache on disk, so
    # a catalog sync in the worker invalidates what the web serves.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            # LOCAL_CACHE_DIR: `make test` keeps its own, apart from a running `make run`.
            "LOCATION": Path(env("LOCAL_CACHE_DIR", default=str(BASE_DIR / "var" / "cache"))),
        }
    }

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # Local broker for `make run` without Redis: queues are files shared by web, worker, beat.
    # LOCAL_BROKER_DIR: `make test` queues in a folder of its own, never in `make run`'s.
    _broker_dir = Path(env("LOCAL_BROKER_DIR", default=str(BASE_DIR / "var" / "celery-broker")))
    for _folder in ("processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"
# The worker logs through LOGGING (JSON lines with request ids in production), not its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Security: HTTPS, headers, admin logins ------------------------------------------------
# In production the app sits behind a TLS-terminating proxy that sets X-Forwarded-Proto (and
# overwrites any the client sent): plain http is redirected, cookies travel over HTTPS only and
# browsers are told, for a year and for every subdomain, never to try http again (HSTS).
# `local` serves plain http on 127.0.0.1, so none of this applies there.
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and container health checks probe over plain http from inside.
    SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # A back-office domain is HTTPS-only for good: consent to browsers' preload lists (it
    # takes effect only once the domain is submitted to hstspreload.org).
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every response (casino/middleware.py). Everything the admin and the Swagger UI load
# is our own static files: no inline script, no <style> block, nothing from another origin.
# Inline style *attributes* are allowed (the aggregator page colours its clock skew, the
# history pages set a border): they cannot run code or select elements, and any image they
# name must still come from img-src. `data:` images are the icons in the style sheets.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Admin logins (compliance/): at most this many wrong passwords per account, and per client
# address, within LOGIN_LOCKOUT_SECONDS; past that, logins are refused unchecked until the
# oldest of them is that old (docs/architecture.md, "Security settings").
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
# Admin sessions end after this long without a request (the session is renewed by each one):
# an unattended back-office screen does not stay logged in (docs/staff-roles.md).
SESSION_COOKIE_AGE = env.int("ADMIN_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# How many proxies in front of the app append to X-Forwarded-For (0: the client's address is
# REMOTE_ADDR). Entries left of the ones our proxies wrote come from the client: never trusted.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Auth, i18n, static -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # `var/` holds local state: PostgreSQL, broker, static
WHITENOISE_USE_FINDERS = True  # serve app static files even before collectstatic has run
# Static files (admin, API docs) are served by the app itself through WhiteNoise.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casino back-office API",
    "DESCRIPTION": (
        "Wallet callbacks for game aggregators (native protocol v1) and the operator's APIs. "
        "Native callbacks are signed: X-Signature = hex HMAC-SHA256(secret, '{X-Timestamp}.{raw body}')."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: the docs work without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from swagger.io's online validator: it would send our schema's URL to a third
    # party, and the Content-Security-Policy loads images from our own origin only.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Fields named "status" carry different vocabularies per API: name each enum explicitly.
    "ENUM_NAME_OVERRIDES": {
        "OkStatusEnum": ["OK"],
        "ErrorStatusEnum": ["ERROR"],
        # The responsible-gaming APIs: a limit's kind and an exclusion's kind.
        "RgLimitKindEnum": ["deposit", "loss", "wager", "session_time", "reality_check"],
        "RgExclusionKindEnum": ["cool_off", "self_exclusion"],
    },
}

# --- Benchmark ------------------------------------------------------------------------------
# `make bench` only: serves the bare "ceiling" endpoint (wallet/bench.py) next to the real
# ones. Never set in normal runs.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)

# --- Games: catalog and launch -------------------------------------------------------------
# Default seconds between catalog syncs of an aggregator (Aggregator.catalog_sync_interval_seconds
# overrides it); beat checks every CATALOG_SYNC_CHECK_SECONDS which aggregators are due.
CATALOG_SYNC_INTERVAL_SECONDS = env.int("CATALOG_SYNC_INTERVAL_SECONDS", default=3600)
CATALOG_SYNC_CHECK_SECONDS = env.int("CATALOG_SYNC_CHECK_SECONDS", default=60)
# The front-end games list is cached until the next sync, and at most this long.
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=300)
LAUNCH_URL_TTL_SECONDS = env.int("LAUNCH_URL_TTL_SECONDS", default=600)
# How long a launched game session accepts bets (never shorter than the launch URL's TTL).
GAME_SESSION_TTL_SECONDS = env.int("GAME_SESSION_TTL_SECONDS", default=1800)
# Bearer keys of the operator's front end (games list, launch); not aggregator credentials.
FRONTEND_API_KEYS = [key for key in env.list("FRONTEND_API_KEYS", default=[]) if key]
_refuse(frontend_keys_problem(FRONTEND_API_KEYS, environment=CASINO_ENV))

# Open rounds with no money call for this long are reported (log + admin filter) hourly.
STALE_ROUND_AFTER_SECONDS = env.int("STALE_ROUND_AFTER_SECONDS", default=24 * 3600)

# --- Responsible gaming: cool-off, self-exclusion, external registers (docs/responsible-gaming.md)
# National self-exclusion registers by the player's country, as JSON: {"SE": {"client":
# "compliance.rg.registers.spelpaus.SpelpausClient", "url": ..., "key": ..., "actor": ...,
# "subject": <dotted path of player -> identity number>, "fail": "closed" | "open", "timeout": 3}}.
RG_REGISTERS = env.json("RG_REGISTERS", default={})
# A register's confirmed answer is reused this long; an unconfirmed one is never reused.
RG_REGISTER_CACHE_SECONDS = env.int("RG_REGISTER_CACHE_SECONDS", default=24 * 3600)

# Currency conversion (docs/money.md): the rate feed, fetched every FX_FEED_INTERVAL_SECONDS
# by beat; empty: rates are entered by staff only. `make run` (local) reads the sandbox's feed.
FX_FEED_URL = env("FX_FEED_URL", default="http://127.0.0.1:8100/fx/rates" if CASINO_ENV == LOCAL else "")
FX_FEED_INTERVAL_SECONDS = env.int("FX_FEED_INTERVAL_SECONDS", default=300)

# The finance reports' daily rollup (docs/money.md) catches up with the ledger this often.
REPORT_ROLLUP_SECONDS = env.int("REPORT_ROLLUP_SECONDS", default=300)
# --- Reconciliation (docs/reconciliation.md) -----------------------------------------------
# Hourly runs cover the last closed hour reaching back this far for late traffic: a discrepancy
# that heals within it is closed as self-healed by the next run.
RECONCILIATION_OVERLAP_SECONDS = env.int("RECONCILIATION_OVERLAP_SECONDS", default=3600)
# Either side of a window, each side is looked up in the other this much further: a transaction
# near an edge carries a slightly different time on each side.
RECONCILIATION_EDGE_SECONDS = env.int("RECONCILIATION_EDGE_SECONDS", default=900)
# Shadow mode waits this long for the money calls a settlement event counts before comparing.
SETTLEMENT_MATCH_GRACE_SECONDS = env.int("SETTLEMENT_MATCH_GRACE_SECONDS", default=300)

CELERY_BEAT_SCHEDULE = {
    "report-stale-rounds": {"task": "wallet.report_stale_rounds", "schedule": 3600.0},
    # Five minutes past each hour: the hour just closed, with its late calls in.
    "reconcile-hourly": {"task": "reconciliation.reconcile_hourly", "schedule": crontab(minute=5)},
    "settlement-match": {"task": "reconciliation.match_settlements", "schedule": 60.0},
    "discrepancy-adjustments": {"task": "reconciliation.settle_adjustments", "schedule": 60.0},
    "shadow-summaries": {"task": "reconciliation.shadow_summaries", "schedule": crontab(minute=15)},
    # The dashboard's per-minute rollups (wallet/services/rollups.py).
    "advance-rollups": {"task": "wallet.advance_rollups", "schedule": 60.0},
    "catalog-sync-due": {"task": "games.sync_due_catalogs", "schedule": float(CATALOG_SYNC_CHECK_SECONDS)},
    "rg-limits-due": {"task": "compliance.apply_due_rg_limits", "schedule": 300.0},
    "fx-rates-import": {"task": "wallet.import_fx_rates", "schedule": float(FX_FEED_INTERVAL_SECONDS)},
    "report-rollup": {"task": "games.rollup_ledger", "schedule": float(REPORT_ROLLUP_SECONDS)},
    "free-spins-track": {"task": "games.track_free_spins", "schedule": 300.0},
    "rg-exclusion-ends": {"task": "compliance.record_exclusion_ends", "schedule": 300.0},
    "money-requests-expire": {"task": "wallet.expire_money_requests", "schedule": 300.0},
    # The audit chain (docs/audit.md): walked, and its head exported, once a day.
    "audit-verify": {"task": "compliance.verify_audit", "schedule": crontab(minute=10, hour=0)},
    "audit-head-export": {"task": "compliance.export_audit_head", "schedule": crontab(minute=5, hour=0)},
    # The ledger's and call records' monthly partitions, created months ahead (wallet/partitions.py).
    "partitions-ahead": {"task": "wallet.create_partitions_ahead", "schedule": crontab(minute=20, hour=3)},
}

# --- Monthly partitions of the ledger and the call records (wallet/partitions.py) ------------
# Months created ahead by the daily task: it may fail for this many months before a row lands in
# the DEFAULT partition (which still takes it: a bet never fails for want of a partition).
PARTITION_MONTHS_AHEAD = env.int("PARTITION_MONTHS_AHEAD", default=3)
# How long an aggregator may resend a call and get its first answer: a month is detached for
# archiving only once it lies entirely further back (a detached record is not found by a resend).
PARTITION_RESEND_HORIZON_MONTHS = env.int("PARTITION_RESEND_HORIZON_MONTHS", default=6)

# --- Staff money operations under four eyes (wallet/services/money_requests.py) ------------
# Above this amount (minor units, by size) a staff deposit, withdrawal or adjustment waits for a
# second Finance user's approval; 0 puts every one under four eyes. Per currency, as JSON
# ({"EUR": 100000}); a currency not named gets FOUR_EYES_DEFAULT_THRESHOLD.
FOUR_EYES_THRESHOLDS = env.json("FOUR_EYES_THRESHOLDS", default={})
FOUR_EYES_DEFAULT_THRESHOLD = env.int("FOUR_EYES_DEFAULT_THRESHOLD", default=0)
# A request not approved within this long expires (beat marks it, an approval refuses it).
MONEY_REQUEST_TTL_SECONDS = env.int("MONEY_REQUEST_TTL_SECONDS", default=24 * 3600)

# --- Audit log (docs/audit.md) --------------------------------------------------------------
# Where the daily chain-head export writes audit-head-<date>.json, to be published from there.
AUDIT_HEAD_EXPORT_DIR = env("AUDIT_HEAD_EXPORT_DIR", default=str(BASE_DIR / "var" / "audit-heads"))

# --- Wallet -----------------------------------------------------------------------------
# The real wallet a player created in the admin gets (more can be added on the player's page).
DEFAULT_WALLET_CURRENCY = env("DEFAULT_WALLET_CURRENCY", default="EUR")
# Play money a demo wallet is topped up to when a demo session opens, in major units.
DEMO_BALANCE_MAJOR_UNITS = env.int("DEMO_BALANCE_MAJOR_UNITS", default=1000)

# --- Staff alerts -------------------------------------------------------------------------
# mail_admins goes to these addresses (comma-separated; empty: no mail, the ERROR log line
# stays), e.g. when a risk limit refuses a win (wallet/services/risk.py).
ADMINS = [("", address) for address in env.list("ADMINS", default=[])]
SERVER_EMAIL = env("SERVER_EMAIL", default="casino@localhost")
# How mail leaves: smtp://user:password@host:587 (or smtp+tls://...); the default prints it.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))

# Production writes one JSON object per line (what log shippers parse); `make run` and tests
# readable console lines. Both carry the request id and trace id (casino/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="json" if IS_PRODUCTION else "console")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "casino.logs.ContextFilter"}},
    "formatters": {
        "console": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(trace_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "console",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Metrics (casino/metrics.py) -------------------------------------------------------------
# /metrics answers requests from these networks (CIDR; Prometheus's address) or bearing
# METRICS_TOKEN (`Authorization: Bearer <token>`); anyone else gets 403. Neither set: nobody
# but loopback (a local run's own Prometheus).
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# --- Responsible gaming (docs/responsible-gaming.md) ----------------------------------------
# Limit periods are calendar days, weeks (from Monday) and months in this time zone.
RG_TIME_ZONE = env("RG_TIME_ZONE", default="Europe/Malta")
# A looser limit (or lifting one) applies only this long after it was asked for.
# So does a cool-off's end brought forward (a self-exclusion is never shortened).
RG_LOOSEN_DELAY_SECONDS = env.int("RG_LOOSEN_DELAY_SECONDS", default=24 * 3600)
# A game session opened within this long of the player's previous one continues the same
# playing session (the session-time limit's clock); a longer pause starts a new one.
RG_SESSION_BREAK_SECONDS = env.int("RG_SESSION_BREAK_SECONDS", default=30 * 60)

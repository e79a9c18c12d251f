"""Blockdesk settings: everything configurable comes from environment variables.

The defaults give the embedded mode (SQLite in WAL mode, in-memory channel layer,
database task queue). Setting DATABASE_URL and REDIS_URL switches to scale-out.
Every variable is documented in .env.example.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from blockdesk.common.email_url import parse_email_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():  # unset or left empty (.env.example): default
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("BLOCKDESK_DEBUG", False)
DATA_DIR = Path(env("BLOCKDESK_DATA_DIR", str(PROJECT_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

# An unset secret key is generated once and kept in the data directory, so a fresh
# `make run` works and sessions survive restarts without a hard-coded secret.
_secret_file = DATA_DIR / "secret_key"
SECRET_KEY = env("BLOCKDESK_SECRET_KEY")
if not SECRET_KEY:
    if not _secret_file.exists():
        import secrets

        _secret_file.write_text(secrets.token_urlsafe(50))
        _secret_file.chmod(0o600)
    SECRET_KEY = _secret_file.read_text().strip()

# Key for encrypting secrets at rest (webhook secrets, TOTP seeds, mailbox passwords).
# Comma-separated Fernet keys: the first encrypts, all decrypt (for rotation).
# Derived from SECRET_KEY when unset.
FIELD_ENCRYPTION_KEYS = env_list("BLOCKDESK_FIELD_ENCRYPTION_KEYS")

ALLOWED_HOSTS = env_list("BLOCKDESK_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("BLOCKDESK_CSRF_TRUSTED_ORIGINS")
PUBLIC_URL = env("BLOCKDESK_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
TRUST_X_FORWARDED_FOR = env_bool("BLOCKDESK_TRUST_X_FORWARDED_FOR", False)
# Peers whose X-Forwarded-For is believed when the above is on (comma-separated IPs or
# networks, "*" for any): uvicorn (`manage.py serve`) and rate limits both use it.
FORWARDED_ALLOW_IPS = env("BLOCKDESK_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",  # serves the API docs (Swagger UI) from local static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "blockdesk.common",
    "blockdesk.events",
    "blockdesk.accounts",
    "blockdesk.conversations",
    "blockdesk.connectors",
    "blockdesk.connectors.email",
    "blockdesk.connectors.discord",
    "blockdesk.connectors.x",
    "blockdesk.connectors.telegram",
    "blockdesk.chain",
    "blockdesk.safety",
    "blockdesk.kb",
    "blockdesk.assistant",
    "blockdesk.webhooks",
    "blockdesk.workspace",
    "blockdesk.widget",
    "blockdesk.wallet_auth",
    "blockdesk.api",
    "blockdesk.demo",
    "blockdesk.trust",
    "blockdesk.notifications",
    "blockdesk.records",
    "blockdesk.audit",
    "blockdesk.staffing",
    "blockdesk.mood",
    "blockdesk.calls",
    "blockdesk.triage",
    "blockdesk.sla",
    "blockdesk.surveys",
    "blockdesk.quality",
    "blockdesk.reports",
    "blockdesk.peering",
    "blockdesk.feedback",
    "blockdesk.education",
    "blockdesk.customers",
    "blockdesk.forum",
    "blockdesk.announcements",
    "blockdesk.statuspage",
    "blockdesk.routing",
]

MIDDLEWARE = [
    "blockdesk.common.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "blockdesk.common.bodylimit.BodyLimitMiddleware",  # 413 before any view reads the body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "blockdesk.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "blockdesk.urls"
ASGI_APPLICATION = "blockdesk.asgi.application"

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
                "blockdesk.common.context_processors.blockdesk",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'blockdesk.sqlite3'}")
_db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=0))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Django's, with the process's writers queued on a lock (common/sqlite_backend says why).
    _db["ENGINE"] = "blockdesk.common.sqlite_backend"
    # WAL lets readers run beside the one writer; IMMEDIATE avoids lock upgrades
    # that fail with "database is locked" under concurrent writes.
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # In memory unless named (said outright: pytest-django recognises only the stock engine).
    _db["TEST"] = {"NAME": env("BLOCKDESK_TEST_SQLITE_NAME", "") or ":memory:"}
    # Kept open between requests: the server's request threads are a fixed pool
    # (common/asgi_http.py), and opening one costs its PRAGMAs and function set-up.
    _db["CONN_MAX_AGE"] = None
else:
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a side pool for one-statement transactions (its module says why).
        _db["ENGINE"] = "blockdesk.common.postgresql_backend"
    _db["CONN_HEALTH_CHECKS"] = True
    # Parameters sent apart from the query (psycopg's server-side binding) instead of
    # quoted into it: no quoting in Python, and a statement run five times on a connection
    # is prepared once, so PostgreSQL stops parsing and planning it on every message
    # (docs/benchmarks/widget.md, issue 17). Django turns psycopg's preparing off unless
    # OPTIONS asks for it (prepare_threshold), so both go together. Off for a pooler in
    # transaction mode that cannot hold prepared statements (PgBouncer without
    # max_prepared_statements).
    if env_bool("BLOCKDESK_DB_SERVER_SIDE_BINDING", True):
        _db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    # A connection pool per process: under load, one connection per in-flight request
    # exhausts PostgreSQL's max_connections (measured in bench/widget_load.py).
    if env_bool("BLOCKDESK_DB_POOL", True):
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": int(env("BLOCKDESK_DB_POOL_SIZE", "10")),
            "timeout": 20,
        }
        if _db["ENGINE"] == "blockdesk.common.postgresql_backend":
            # It checks a pooled connection by a poll of its socket, not Django's round
            # trip per request (common/postgresql_backend/base.py says how).
            _db["CONN_HEALTH_CHECKS"] = False
DATABASES = {"default": _db}
# Threads serving HTTP requests in each server process (common/asgi_http.py): how many
# requests may wait on the database or an outbound call at once.
REQUEST_THREADS = int(env("BLOCKDESK_REQUEST_THREADS", "16"))
# WebSocket compression (permessage-deflate). Off by default: the frames are small JSON,
# and each socket's zlib state cost ~25 KB of server memory (5 MB per 200 sockets,
# docs/benchmarks.md "Memory") plus a compression of every frame sent.
WS_COMPRESSION = env_bool("BLOCKDESK_WS_COMPRESSION", False)
# A server process freezes what survives each full garbage collection, so the next one
# does not walk the open sockets' state again (common/collector.py: 0.85-0.9 s pauses of
# every socket at 10,000 open without it).
GC_FREEZE_SURVIVORS = env_bool("BLOCKDESK_GC_FREEZE_SURVIVORS", True)
# How long a server process keeps a widget channel it read (widget/services.py), and its
# inbox's assistant switch (assistant/selectors.py); a change made on another node reaches
# this one within it. 0: read them on every request.
WIDGET_CHANNEL_CACHE_SECONDS = float(env("BLOCKDESK_WIDGET_CHANNEL_CACHE_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "blockdesk.common.redis_layer.RedisPubSubLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("BLOCKDESK_REDIS_PREFIX", "blockdesk")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("BLOCKDESK_REDIS_PREFIX", "blockdesk"),
        }
    }
else:
    # The default capacity (100 queued events per channel) silently drops events for a
    # busy socket; a larger buffer rides out bursts (clients also catch up by message id).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "blockdesk.common.layers.LocalChannelLayer",
            "CONFIG": {"capacity": 5000, "expiry": 60},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks ---------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env("BLOCKDESK_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "webhooks"],
    }
}
# `make run` starts a worker inside the server process tree; set false when
# workers run as their own processes (`manage.py db_worker`).
RUN_EMBEDDED_WORKER = env_bool("BLOCKDESK_EMBEDDED_WORKER", True)
# uvicorn's line per HTTP request in `manage.py serve` (also `serve --no-access-log`);
# off saves CPU under load when a reverse proxy logs requests already.
ACCESS_LOG = env_bool("BLOCKDESK_ACCESS_LOG", True)
# `serve --workers N`: the task worker, periodic jobs and event dispatcher run in the
# threads of one web worker (true) or in a process of their own (false). In a worker saves
# a whole Django process (~120-160 MB); in a process keeps their CPU off the requests'
# GIL. Default: in a worker on SQLite (the embedded mode), a process on PostgreSQL.
BACKGROUND_IN_WORKER = env_bool(
    "BLOCKDESK_BACKGROUND_IN_WORKER", _db["ENGINE"] == "blockdesk.common.sqlite_backend"
)

# --- Auth ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:inbox"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# An https:// public URL is a production install: Secure cookies and a year of HSTS by
# default (each can still be set explicitly); the embedded http:// dev mode has neither.
_HTTPS_PUBLIC = PUBLIC_URL.lower().startswith("https://")
SESSION_COOKIE_SECURE = env_bool("BLOCKDESK_SECURE_COOKIES", _HTTPS_PUBLIC)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(env("BLOCKDESK_HSTS_SECONDS", "31536000" if _HTTPS_PUBLIC else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("BLOCKDESK_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("BLOCKDESK_HSTS_PRELOAD", False)

# --- i18n ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static and uploads -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
# The project-wide static/ (blockdesk/, workspace/, …) belongs to no app, so list it.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (tests, `make run` on a fresh clone) serve straight from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Product limits -----------------------------------------------------------------
# An API token's "last used" is written at most once per this many seconds (and so never
# on most calls, reads included); revocation still takes effect on the next call.
API_TOKEN_TOUCH_SECONDS = int(env("BLOCKDESK_API_TOKEN_TOUCH_SECONDS", "300"))
MESSAGE_MAX_LENGTH = int(env("BLOCKDESK_MESSAGE_MAX_LENGTH", "5000"))
ATTACHMENT_MAX_BYTES = int(env("BLOCKDESK_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
ATTACHMENT_ALLOWED_TYPES = env_list(
    "BLOCKDESK_ATTACHMENT_TYPES",
    "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain",
)
# Accepted besides from customers on chat and mail channels (not the widget's picker):
# voice notes. Checked against their signature like images; served as downloads only.
CHANNEL_ATTACHMENT_EXTRA_TYPES = env_list("BLOCKDESK_CHANNEL_ATTACHMENT_TYPES", "audio/ogg")
# Public (visitor-facing) write endpoints: requests per window per visitor and per IP.
PUBLIC_RATE_LIMIT = int(env("BLOCKDESK_PUBLIC_RATE_LIMIT", "20"))
PUBLIC_RATE_WINDOW = int(env("BLOCKDESK_PUBLIC_RATE_WINDOW", "10"))
# Help-center searches (page and search-as-you-type together) per window per IP.
SEARCH_RATE_LIMIT = int(env("BLOCKDESK_SEARCH_RATE_LIMIT", "120"))
SEARCH_RATE_WINDOW = int(env("BLOCKDESK_SEARCH_RATE_WINDOW", "60"))
LOGIN_RATE_LIMIT = int(env("BLOCKDESK_LOGIN_RATE_LIMIT", "10"))
# Wrong passwords per username (whatever the address) before that username is refused
# until the window ends: generous, so a stranger cannot lock an agent out for long.
LOGIN_USER_FAILURE_LIMIT = int(env("BLOCKDESK_LOGIN_USER_FAILURE_LIMIT", "10"))
LOGIN_USER_FAILURE_WINDOW = int(env("BLOCKDESK_LOGIN_USER_FAILURE_WINDOW", "900"))
# Wrong two-factor codes per agent before their second step locks: 60 s, doubling per
# lock within a day, up to an hour.
TWO_FACTOR_FAILURE_LIMIT = 5
TWO_FACTOR_LOCK_SECONDS = 60
TWO_FACTOR_LOCK_MAX_SECONDS = 3600

# --- Knowledge base -----------------------------------------------------------------
# Languages the help center offers articles in, in fallback order (the first is the default).
KB_LANGUAGES = env_list("BLOCKDESK_KB_LANGUAGES", "en,zh-hans")

# The secret guard may ask the account's own chain endpoints whether an unexplained
# 64-hex value is a transaction (else it is redacted as a possible private key).
GUARD_TX_LOOKUP = env_bool("BLOCKDESK_GUARD_TX_LOOKUP", True)

# --- Event log (events/) --------------------------------------------------------------
# Days an event is kept once every consumer has read it (0: forever).
EVENT_RETENTION_DAYS = int(env("BLOCKDESK_EVENT_RETENTION_DAYS", "400"))
# Security-relevant events (events.registry.SECURITY_NAME_PREFIXES: sign-in rules, agents,
# API tokens, webhooks, chains, official channels) are kept at least this long, for the
# audit log (0: forever). The longer of the two applies to them.
AUDIT_RETENTION_DAYS = int(env("BLOCKDESK_AUDIT_RETENTION_DAYS", "730"))
# Failures before an event is dead for a consumer (then an admin retries it).
EVENT_MAX_ATTEMPTS = int(env("BLOCKDESK_EVENT_MAX_ATTEMPTS", "8"))
# Commits landing within this many seconds of each other are handed to the consumers in
# one run (each run has a fixed cost; see events/runner.py). 0: one run per commit.
EVENT_GATHER_SECONDS = float(env("BLOCKDESK_EVENT_GATHER_MS", "200")) / 1000
# A transactional consumer commits its batch once it has worked this long, and takes the
# rest in a new transaction: on SQLite every other writer (each customer's message) waits
# for that transaction, which with 100 events a batch held the one writer for up to 0.75 s
# (docs/benchmarks/widget.md); on PostgreSQL a long one holds back the log's readers.
EVENT_TRANSACTION_SECONDS = float(env("BLOCKDESK_EVENT_TRANSACTION_MS", "50")) / 1000
# Routing (docs/routing.md): an agent socket without a heartbeat this long counts as gone.
ROUTING_SOCKET_TIMEOUT_SECONDS = int(env("BLOCKDESK_ROUTING_SOCKET_TIMEOUT_SECONDS", "90"))
# An at-least-once consumer's lease: a worker that dies mid-call is replaced after this.
EVENT_LEASE_SECONDS = 60.0
# Consumers handed their events right after each commit, in the emitting thread (tests that
# follow a reaction through, like django-tasks' ImmediateBackend). Not for production.
EVENT_INLINE_CONSUMERS: tuple[str, ...] = ()

# --- Webhooks -----------------------------------------------------------------------
WEBHOOK_TIMEOUT_SECONDS = float(env("BLOCKDESK_WEBHOOK_TIMEOUT", "10"))
WEBHOOK_MAX_ATTEMPTS = int(env("BLOCKDESK_WEBHOOK_MAX_ATTEMPTS", "8"))
# Loopback/private targets are refused unless allowed (SSRF); tests and local setups allow.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("BLOCKDESK_WEBHOOK_ALLOW_PRIVATE", DEBUG)

# The assistant's model server URL (an admin types it) must be a public address unless the
# operator allows private ones: a self-hosted model on the LAN or on this host (SSRF guard).
ASSISTANT_ALLOW_PRIVATE_MODEL_URL = env_bool("BLOCKDESK_ASSISTANT_ALLOW_PRIVATE_MODEL_URL", False)
# The assistant asks one clarifying question naming both intents when the top two are a
# confusable pair (assistant/confusables.py: deposit/withdrawal, …) closer than this.
ASSISTANT_CONFUSABLE_MARGIN = float(env("BLOCKDESK_ASSISTANT_CONFUSABLE_MARGIN", "0.3"))
# An article is offered (and listed in the handoff note) when its combined score from the
# intent model and KB search reaches this (assistant/selection.py; docs/assistant.md).
ASSISTANT_OFFER_THRESHOLD = float(env("BLOCKDESK_ASSISTANT_OFFER_THRESHOLD", "0.5"))

# --- Email to customers ------------------------------------------------------------
# How mail leaves (see common/email_url.py): smtp://, smtp+tls://, smtps://, file://, console://.
# Unset: each message is written as a .eml file under var/mail (nothing is sent).
_email = parse_email_url(env("EMAIL_URL"), default_dir=DATA_DIR / "mail")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT", 10.0)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Support <support@localhost>")
# Replies to a customer who left a follow-up email are emailed this many seconds after the
# first unseen one (several replies in that time go in one email), unless seen live.
REPLY_EMAIL_DELAY = float(env("BLOCKDESK_REPLY_EMAIL_DELAY", "120"))
# Public email lists (announcements, status page): docs/announcements.md.
LIST_SUBSCRIBE_RATE_LIMIT = int(env("BLOCKDESK_LIST_SUBSCRIBE_RATE_LIMIT", "5"))
LIST_SUBSCRIBE_RATE_WINDOW = int(env("BLOCKDESK_LIST_SUBSCRIBE_RATE_WINDOW", "3600"))
LIST_EMAIL_BATCH = int(env("BLOCKDESK_LIST_EMAIL_BATCH", "200"))
# Status page: a chain component is degraded when its RPC's newest block is older than this
# (or than 10 typical block times, whichever is longer) or does not answer (docs/status-page.md).
STATUS_RPC_MAX_LAG_SECONDS = int(env("BLOCKDESK_STATUS_RPC_MAX_LAG_SECONDS", "600"))
STATUS_RPC_TIMEOUT_SECONDS = float(env("BLOCKDESK_STATUS_RPC_TIMEOUT_SECONDS", "5"))
REPLY_EMAIL_MAX_ATTEMPTS = int(env("BLOCKDESK_REPLY_EMAIL_MAX_ATTEMPTS", "5"))

# --- Email channel (connectors/email, docs/email.md) ---------------------------------
# A larger mail is refused (a record of its headers is kept).
EMAIL_INGEST_MAX_BYTES = int(env("BLOCKDESK_EMAIL_MAX_BYTES", str(25 * 1024 * 1024)))
# A storm from one sender: more than this many mails per window are not stored.
EMAIL_SENDER_LIMIT = int(env("BLOCKDESK_EMAIL_SENDER_LIMIT", "20"))
EMAIL_SENDER_WINDOW = int(env("BLOCKDESK_EMAIL_SENDER_WINDOW", "600"))
# IMAP: the polling interval of mailboxes no IDLE watcher holds, and the socket timeout.
EMAIL_IMAP_POLL_SECONDS = int(env("BLOCKDESK_EMAIL_IMAP_POLL_SECONDS", "120"))
EMAIL_IMAP_TIMEOUT = float(env("BLOCKDESK_EMAIL_IMAP_TIMEOUT", "30"))
# IMAP hosts on loopback or private networks (a mail server on this host or the LAN).
EMAIL_ALLOW_PRIVATE_HOSTS = env_bool("BLOCKDESK_EMAIL_ALLOW_PRIVATE_HOSTS", DEBUG)

# --- Telegram channel (connectors/telegram, docs/telegram.md) ------------------------
# The Bot API's address: a self-hosted telegram-bot-api server, or the tests' stand-in.
TELEGRAM_API_BASE_URL = env("BLOCKDESK_TELEGRAM_API_BASE_URL", "https://api.telegram.org")
TELEGRAM_API_TIMEOUT = float(env("BLOCKDESK_TELEGRAM_API_TIMEOUT", "10"))
# Updates Telegram sends a webhook at once (setWebhook max_connections, 1-100). SQLite has
# one write lock: few connections serve more (docs/benchmarks/telegram.md).
_tg_connections = "4" if _db["ENGINE"].endswith(("sqlite3", "sqlite_backend")) else "40"
TELEGRAM_WEBHOOK_MAX_CONNECTIONS = int(
    env("BLOCKDESK_TELEGRAM_WEBHOOK_MAX_CONNECTIONS", _tg_connections) or _tg_connections
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("BLOCKDESK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Discord and X channels (connectors/discord, connectors/x; docs/discord.md, docs/x.md) ---
# The REST base URLs (the tests point them at stand-ins on loopback).
DISCORD_API_BASE = env("BLOCKDESK_DISCORD_API_BASE", "https://discord.com/api/v10")
DISCORD_API_TIMEOUT = float(env("BLOCKDESK_DISCORD_API_TIMEOUT", "15"))
# The largest file an agent's reply sends to Discord (10 MiB: a bot in a server without boosts).
DISCORD_UPLOAD_LIMIT_BYTES = int(env("BLOCKDESK_DISCORD_UPLOAD_LIMIT_BYTES", str(10 * 1024 * 1024)))
# Attachments are fetched from Discord's CDN hosts only (and from this base, for tests).
DISCORD_CDN_BASE = env("BLOCKDESK_DISCORD_CDN_BASE", "")
# Hold the bots' gateway connections inside `manage.py serve` (else `manage.py discord gateway`).
DISCORD_GATEWAY_IN_SERVER = env_bool("BLOCKDESK_DISCORD_GATEWAY_IN_SERVER", False)
X_API_BASE = env("BLOCKDESK_X_API_BASE", "https://api.x.com")
X_API_TIMEOUT = float(env("BLOCKDESK_X_API_TIMEOUT", "15"))
# The largest image an agent's reply sends to X (bytes; X takes images up to 5 MB).
X_MEDIA_LIMIT_BYTES = int(env("BLOCKDESK_X_MEDIA_LIMIT_BYTES", str(5 * 1024 * 1024)))
# X_API_BASE on loopback or a private network (a stand-in or a proxy): allowed only so.
X_API_ALLOW_PRIVATE = env_bool("BLOCKDESK_X_API_ALLOW_PRIVATE", False)
X_POLL_SECONDS = int(env("BLOCKDESK_X_POLL_SECONDS", "60"))
# Hosts a customer's X media (images, video stills) are fetched from, through netguard.
X_MEDIA_HOSTS = env_list("BLOCKDESK_X_MEDIA_HOSTS", "pbs.twimg.com,ton.twitter.com")
# --- Calls (calls app, docs/calls.md) -----------------------------------------------
# Static STUN/TURN servers for the browsers: a JSON list of RTCIceServer objects.
CALLS_ICE_SERVERS = env("BLOCKDESK_ICE_SERVERS", "[]")
# A coturn server with `use-auth-secret`: its URLs and shared secret; each call gets
# credentials that expire after CALLS_TURN_TTL seconds.
CALLS_TURN_URLS = env_list("BLOCKDESK_TURN_URLS")
CALLS_TURN_SECRET = env("BLOCKDESK_TURN_SECRET")
CALLS_TURN_TTL = int(env("BLOCKDESK_TURN_TTL", "3600"))
# A call nobody answers stops ringing after this many seconds.
CALLS_RING_SECONDS = int(env("BLOCKDESK_CALL_RING_SECONDS", "45"))
# Call recordings (made in the agent's browser when the account records calls and the
# customer agreed): the largest upload accepted, and how many days one is kept (0: kept
# until the conversation is deleted). 50 MB is about 2.5 hours (~40 kbit/s measured).
CALL_RECORDING_MAX_BYTES = int(env("BLOCKDESK_CALL_RECORDING_MAX_BYTES", str(50 * 1024 * 1024)))
CALL_RECORDING_RETENTION_DAYS = int(env("BLOCKDESK_CALL_RECORDING_RETENTION_DAYS", "0"))
# --- Surveys (surveys app, docs/surveys.md) ----------------------------------------------
# How long a rating or NPS link stays valid, and the public pages' limit per client IP
# (requests per minute; the figures page is also cached for SURVEYS_PUBLIC_CACHE_SECONDS).
SURVEYS_LINK_MAX_AGE_DAYS = int(env("BLOCKDESK_SURVEYS_LINK_MAX_AGE_DAYS", "30"))
SURVEYS_PUBLIC_RATE_LIMIT = int(env("BLOCKDESK_SURVEYS_PUBLIC_RATE_LIMIT", "30"))
SURVEYS_PUBLIC_CACHE_SECONDS = int(env("BLOCKDESK_SURVEYS_PUBLIC_CACHE_SECONDS", "300"))
# Suggestions and the roadmap (docs/feedback.md): public page requests per minute per
# address, posts per hour per customer, votes per minute per customer.
FEEDBACK_PUBLIC_RATE_LIMIT = int(env("BLOCKDESK_FEEDBACK_PUBLIC_RATE_LIMIT", "120"))
FEEDBACK_POSTS_PER_HOUR = int(env("BLOCKDESK_FEEDBACK_POSTS_PER_HOUR", "5"))
FEEDBACK_VOTES_PER_MINUTE = int(env("BLOCKDESK_FEEDBACK_VOTES_PER_MINUTE", "30"))
# Guides, welcome emails and events (docs/education.md): public requests per minute per
# address, and hours before an event its reminder goes out.
EDUCATION_PUBLIC_RATE_LIMIT = int(env("BLOCKDESK_EDUCATION_PUBLIC_RATE_LIMIT", "120"))
EDUCATION_REMINDER_HOURS = int(env("BLOCKDESK_EDUCATION_REMINDER_HOURS", "24"))
# --- Operations (ops/, docs/operations.md): probes, faults, metrics, logs, storage -------
INSTALLED_APPS.append("blockdesk.ops")
# Right after the security headers (and HSTS): answers /healthz, /readyz and /metrics
# before the session, CSRF and authentication middleware, times requests, and turns a
# database outage into 503 (a full SQLite disk into 507).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "blockdesk.ops.middleware.OpsMiddleware",
)
# /readyz's budget for the database and Redis checks, in seconds.
OPS_READY_TIMEOUT = float(env("BLOCKDESK_READY_TIMEOUT", "2"))
# Retry-After on a 503 answered during a database outage.
OPS_RETRY_AFTER_SECONDS = int(env("BLOCKDESK_RETRY_AFTER_SECONDS", "5"))
# A task left RUNNING this long (its worker was killed) is put back in the queue once.
OPS_TASK_STALE_SECONDS = int(env("BLOCKDESK_TASK_STALE_SECONDS", "900"))
# Prometheus metrics at /metrics: off by default; allowed from these networks or with
# "Authorization: Bearer <token>".
OPS_METRICS_ENABLED = env_bool("BLOCKDESK_METRICS", False)
OPS_METRICS_TOKEN = env("BLOCKDESK_METRICS_TOKEN")
OPS_METRICS_ALLOW_IPS = env_list("BLOCKDESK_METRICS_ALLOW_IPS", "127.0.0.1,::1")
if OPS_METRICS_ENABLED and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # One directory per server start, inherited by the uvicorn workers it spawns, so a
    # scrape of any worker adds up all of them (prometheus_client multiprocess mode).
    # Must be set before prometheus_client is imported.
    import shutil

    _metrics_root = DATA_DIR / "metrics"
    _metrics_root.mkdir(exist_ok=True)
    for _old in _metrics_root.iterdir():
        try:
            os.kill(int(_old.name), 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(_old, ignore_errors=True)
        except PermissionError:
            pass
    (_metrics_root / str(os.getpid())).mkdir(exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_root / str(os.getpid()))
# "json": one JSON object per log line (uvicorn's access lines too); default "plain".
LOG_FORMAT = env("BLOCKDESK_LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT == "json":
    _logging: dict[str, Any] = LOGGING
    _logging["formatters"]["json"] = {"()": "blockdesk.ops.logformat.JsonFormatter"}
    _logging["handlers"]["console"]["formatter"] = "json"
    for _name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        _logging["loggers"][_name] = {"handlers": ["console"], "level": "INFO", "propagate": False}
# Uploads (attachments, KB images, KB search indexes) in S3-compatible object storage
# when a bucket is named: several nodes then share them. Local disk (MEDIA_ROOT) otherwise.
# Files are always served through the app's authorised views, never by bucket URL.
S3_BUCKET = env("BLOCKDESK_S3_BUCKET")
if S3_BUCKET:
    _s3_options: dict[str, Any] = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env("BLOCKDESK_S3_ENDPOINT_URL") or None,
        "access_key": env("BLOCKDESK_S3_ACCESS_KEY") or None,
        "secret_key": env("BLOCKDESK_S3_SECRET_KEY") or None,
        "region_name": env("BLOCKDESK_S3_REGION") or None,
        "location": env("BLOCKDESK_S3_PREFIX"),
        # MinIO and most self-hosted servers want path-style addressing.
        "addressing_style": env("BLOCKDESK_S3_ADDRESSING_STYLE", "path"),
        "default_acl": None,  # private objects: the bucket policy decides, never public
        "querystring_auth": True,
        "file_overwrite": False,
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}  # type: ignore[dict-item]
# How long a request waits for a pooled PostgreSQL connection. During an outage every
# request waits this long before its 503: lower it when clients should hear sooner
# (under load a short wait also refuses requests the pool would have served).
if isinstance(DATABASES["default"].get("OPTIONS", {}).get("pool"), dict):
    DATABASES["default"]["OPTIONS"]["pool"]["timeout"] = float(
        env("BLOCKDESK_DB_POOL_TIMEOUT", "20")
    )
# KB search indexes published through the uploads storage so a rebuild on one node
# reaches the others (kb/search/shared.py). Unset: on when uploads are in object storage.
KB_INDEX_SHARED: bool | None = (
    env_bool("BLOCKDESK_KB_INDEX_SHARED") if env("BLOCKDESK_KB_INDEX_SHARED") else None
)
# How often (seconds) a node asks the storage whether a scope's index changed.
KB_INDEX_POLL_SECONDS = float(env("BLOCKDESK_KB_INDEX_POLL_SECONDS", "5"))
# The assistant's trained intent models, shared the same way (assistant/engine.py): a model
# trained on one node is loaded by the others. Unset: on when uploads are in object storage.
ASSISTANT_MODEL_SHARED: bool | None = (
    env_bool("BLOCKDESK_ASSISTANT_MODEL_SHARED")
    if env("BLOCKDESK_ASSISTANT_MODEL_SHARED")
    else None
)
# How often (seconds) a node asks the storage whether a scope's model changed.
ASSISTANT_MODEL_POLL_SECONDS = float(env("BLOCKDESK_ASSISTANT_MODEL_POLL_SECONDS", "30"))
# --- Knowledge shared between projects (peering app, docs/peering.md) ---------------
# Feed URLs on loopback/private networks are refused unless this is on (tests, dev; on by
# default with BLOCKDESK_DEBUG like webhooks, so the demo can follow its own instance).
PEERING_ALLOW_PRIVATE_FEEDS = env_bool("BLOCKDESK_PEERING_ALLOW_PRIVATE", DEBUG)
PEERING_PULL_INTERVAL = int(env("BLOCKDESK_PEERING_PULL_SECONDS", "900"))
PEERING_PUBLISH_INTERVAL = int(env("BLOCKDESK_PEERING_PUBLISH_SECONDS", "300"))
PEERING_FETCH_TIMEOUT = float(env("BLOCKDESK_PEERING_FETCH_TIMEOUT", "15"))
PEERING_MAX_PAGE_BYTES = int(env("BLOCKDESK_PEERING_MAX_PAGE_BYTES", str(4 * 1024 * 1024)))
PEERING_FEED_RATE_LIMIT = int(env("BLOCKDESK_PEERING_FEED_RATE_LIMIT", "60"))
PEERING_FEED_RATE_WINDOW = int(env("BLOCKDESK_PEERING_FEED_RATE_WINDOW", "60"))

"""Configuration objects; `PARKOPS_ENV=production` selects ProductionConfig."""
import os

from engine import defaults as engine_defaults
from engine.db import ENGINE_OPTIONS

DEV_SECRET_KEY = "dev-only-secret-change-me"


class Config:
    """Embedded laptop defaults: SQLite file in instance/, in-process runner."""

    SECRET_KEY = DEV_SECRET_KEY
    # A relative SQLite path is resolved by Flask-SQLAlchemy against app.instance_path,
    # so the default lands in instance/parkops.db.
    SQLALCHEMY_DATABASE_URI = "sqlite:///parkops.db"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # The engine's own create_engine options (engine.db.ENGINE_OPTIONS: the connection used
    # last first, JSON columns through engine.jsontext).
    SQLALCHEMY_ENGINE_OPTIONS = dict(ENGINE_OPTIONS)
    TIMEZONE = "Europe/Brussels"
    DEFAULT_TENANT = "demo"
    EMBEDDED_RUNNER = True
    # Production runner: with a Redis URL, timers and jobs go to RQ workers through the
    # scheduler (`flask scheduler`), and the embedded runner does not start.
    REDIS_URL = None
    # Logs: "text" (default) or "json" (one JSON object per line, with instance/task ids).
    LOG_FORMAT = "text"
    RUNNER_POLL_S = engine_defaults.RUNNER_POLL_S
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True
    # Escalation e-mails (processes.notifications). Off until MAIL_HOST names a server: a
    # laptop without one would otherwise turn every escalation into an incident. Escalations
    # still happen and show in the basket; the skipped mail is recorded in the history.
    MAIL_HOST = None
    MAIL_PORT = 25
    MAIL_SENDER = "parkops@localhost"
    MAIL_STARTTLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_TIMEOUT = 10.0
    # Public address of this app, for links in e-mails.
    BASE_URL = "http://127.0.0.1:5000"
    # Task attachments: stored under UPLOAD_FOLDER (default instance/uploads). The request cap
    # stops a huge upload before CSRF reads its body; it leaves room for form fields.
    UPLOAD_FOLDER = None
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    # Login brake: failed attempts allowed per client address and per account.
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_LIMIT_PER_ADDRESS = "20 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"

    @staticmethod
    def check(settings):
        """Refuse settings unsafe for this environment; development accepts everything."""


class TestConfig(Config):
    """Pytest: no runner thread; CSRF off unless a test turns it back on."""

    TESTING = True
    EMBEDDED_RUNNER = False
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"
    # No mail server: tests that send mail start their own and point MAIL_HOST/PORT at it.
    MAIL_HOST = None


class ProductionConfig(Config):
    """Secrets from the environment, secure cookies, JSON logs.

    Without REDIS_URL the embedded runner still fires timers and runs jobs in every web
    process (two runners racing are safe: the instance's optimistic lock makes the loser skip).
    """

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    LOG_FORMAT = "json"

    @staticmethod
    def check(settings):
        """Raise RuntimeError when SECRET_KEY is missing or still the development default."""
        secret = settings.get("SECRET_KEY")
        if not secret or secret == DEV_SECRET_KEY:
            raise RuntimeError(
                "PARKOPS_ENV=production needs the SECRET_KEY environment variable set to a "
                "long random string; refusing to start with a missing or default SECRET_KEY."
            )


# Environment variable -> config key, applied when create_app() picks its own config.
ENV_OVERRIDES = {
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "REDIS_URL": "REDIS_URL",
    "PARKOPS_LOG_FORMAT": "LOG_FORMAT",
    "PARKOPS_TIMEZONE": "TIMEZONE",
    "PARKOPS_TENANT": "DEFAULT_TENANT",
    "PARKOPS_BASE_URL": "BASE_URL",
    "MAIL_HOST": "MAIL_HOST",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_SENDER": "MAIL_SENDER",
    "MAIL_STARTTLS": "MAIL_STARTTLS",
    "MAIL_USERNAME": "MAIL_USERNAME",
    "MAIL_PASSWORD": "MAIL_PASSWORD",
    "MAIL_TIMEOUT": "MAIL_TIMEOUT",
    "METRICS_TOKEN": "METRICS_TOKEN",
    "PARKOPS_TRUSTED_PROXIES": "TRUSTED_PROXIES",
}


def _flag(value):
    return value.strip().lower() in ("1", "true", "yes", "on")


def database_url(value):
    """A DATABASE_URL as SQLAlchemy needs it: plain `postgresql://` URLs use psycopg 3."""
    value = value.strip()
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


# Config keys that are not strings: how to read them from an environment variable.
ENV_TYPES = {"MAIL_PORT": int, "MAIL_STARTTLS": _flag, "MAIL_TIMEOUT": float,
             "TRUSTED_PROXIES": int, "SQLALCHEMY_DATABASE_URI": database_url}

CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestConfig}


def environment_overrides(environ=os.environ):
    """The config values set through environment variables (see ENV_OVERRIDES)."""
    return {key: ENV_TYPES.get(key, str)(environ[var])
            for var, key in ENV_OVERRIDES.items() if var in environ}


def select_config():
    """The config class named by PARKOPS_ENV (development when unset)."""
    name = os.environ.get("PARKOPS_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"PARKOPS_ENV={name!r} is not one of {', '.join(CONFIGS)}"
        ) from None

"""Configuration objects; `PARKOPS_ENV=production` selects ProductionConfig."""
import os

from engine import defaults as engine_defaults

DEV_SECRET_KEY = "dev-only-secret-change-me"


class Config:
    """Embedded laptop defaults: SQLite file in instance/, in-process runner."""

    SECRET_KEY = DEV_SECRET_KEY
    # A relative SQLite path is resolved by Flask-SQLAlchemy against app.instance_path,
    # so the default lands in instance/parkops.db.
    SQLALCHEMY_DATABASE_URI = "sqlite:///parkops.db"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    TIMEZONE = "Europe/Brussels"
    DEFAULT_TENANT = "demo"
    EMBEDDED_RUNNER = True
    RUNNER_POLL_S = engine_defaults.RUNNER_POLL_S
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True

    @staticmethod
    def check(settings):
        """Refuse settings unsafe for this environment; development accepts everything."""


class TestConfig(Config):
    """Pytest: no runner thread; CSRF off unless a test turns it back on."""

    TESTING = True
    EMBEDDED_RUNNER = False
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"


class ProductionConfig(Config):
    """Secrets from the environment, secure cookies.

    The embedded runner stays on: until RQ workers and the scheduler exist (issue #6) it is the
    only thing that fires timers and runs service jobs, and two runners racing are safe (the
    instance's optimistic lock makes the loser skip).
    """

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

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
    "PARKOPS_TIMEZONE": "TIMEZONE",
    "PARKOPS_TENANT": "DEFAULT_TENANT",
}

CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestConfig}


def environment_overrides(environ=os.environ):
    """The config values set through environment variables (see ENV_OVERRIDES)."""
    return {key: environ[var] for var, key in ENV_OVERRIDES.items() if var in environ}


def select_config():
    """The config class named by PARKOPS_ENV (development when unset)."""
    name = os.environ.get("PARKOPS_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"PARKOPS_ENV={name!r} is not one of {', '.join(CONFIGS)}"
        ) from None

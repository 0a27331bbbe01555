"""Schema set-up: Alembic migrations, with create_all() only until the first revision exists."""
from pathlib import Path

import flask_migrate
from alembic.script import ScriptDirectory
from flask import current_app

from .extensions import db


def upgrade_schema():
    """Bring the database to the newest schema; returns one line saying what was done."""
    directory = current_app.extensions["migrate"].directory
    if has_revisions(directory):
        flask_migrate.upgrade(directory=directory)
        return "Database schema upgraded to the latest migration."
    # Bootstrap only: before the first revision is generated there is nothing to upgrade to.
    db.create_all()
    return "No migration revision yet: created any missing table with create_all()."


def has_revisions(directory):
    """True when `directory` is an Alembic environment holding at least one revision."""
    if not (Path(directory) / "env.py").is_file():
        return False
    return bool(ScriptDirectory(str(directory)).get_heads())


def database_label():
    """The database URL without its password, for messages."""
    return db.engine.url.render_as_string(hide_password=True)

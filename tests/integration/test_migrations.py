"""The Alembic migrations build exactly the schema the models declare, on a fresh database."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from engine import Base
from webapp.extensions import db


def test_upgrade_from_empty_matches_the_models(make_app, tmp_path):
    """`db upgrade` on an empty file yields every table and index, with nothing left to migrate."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            drift = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            tables = set(inspect(conn).get_table_names())
    assert drift == []
    assert {"engine_instance", "engine_human_task", "engine_timer", "user_account"} <= tables

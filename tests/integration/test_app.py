"""What create_app wires together: one metadata, a tuned SQLite, the engine."""
from sqlalchemy import text

from engine import Base, Engine
from webapp.extensions import db, get_engine


def test_one_metadata_holds_engine_and_account_tables(app):
    """Flask-SQLAlchemy uses engine.Base's metadata, so Alembic sees every table at once."""
    assert db.metadata is Base.metadata
    assert {"engine_instance", "engine_human_task", "tenant", "user_account", "user_role"} \
        <= set(Base.metadata.tables)


def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(app):
    """Every connection of the app's SQLite database uses WAL, waits when busy, checks FKs."""
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_engine_shares_the_app_database(app):
    """get_engine() returns the workflow Engine bound to the same database as db.session."""
    with app.app_context():
        eng = get_engine()
        assert isinstance(eng, Engine)
        assert eng.db_engine is db.engine

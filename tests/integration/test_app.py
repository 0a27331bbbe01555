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


def test_expired_form_gets_a_readable_page(make_app):
    """A POST without a valid CSRF token answers 400 with an explanation, not a bare error."""
    app = make_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/auth/login", data={"username": "x"})
    assert response.status_code == 400
    assert b"nothing was saved" in response.data


def test_oversized_request_gets_a_readable_page(make_app):
    """A request body over MAX_CONTENT_LENGTH answers 413 naming the limit."""
    app = make_app(MAX_CONTENT_LENGTH=1024 * 1024, WTF_CSRF_ENABLED=False)
    response = app.test_client().post("/auth/login", data={"username": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert b"the limit is 1 MiB" in response.data

"""What create_app wires together: one metadata, a tuned SQLite, the engine."""
import pytest
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


def test_an_id_past_the_database_range_is_not_found_on_pages_and_api(client, login_as):
    """A 30-digit id in any URL is a 404, never a database overflow (500)."""
    login_as("supervisor")
    huge = "9" * 30
    for path in (f"/monitor/instances/{huge}", f"/bookings/{huge}",
                 f"/season/contracts/{huge}", f"/occurrences/{huge}"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/monitor/instances/{10**18 - 1}").status_code == 404   # in range
    api = client.get(f"/api/v1/contracts/{huge}", headers={"Authorization": "Bearer nope"})
    assert api.status_code == 401 and api.is_json     # the API answers JSON, never a login page


def test_behind_trusted_proxies_the_visitors_address_is_used(make_app):
    """PARKOPS_TRUSTED_PROXIES=1: the address in X-Forwarded-For is the client's (the rate
    limits count visitors, not the proxy); without it the header is ignored."""
    from flask import request

    seen = {}
    for proxies in (0, 1):
        app = make_app(TRUSTED_PROXIES=proxies)

        @app.after_request
        def probe(response, proxies=proxies):
            seen[proxies] = request.remote_addr
            return response
        app.test_client().get("/auth/login", headers={"X-Forwarded-For": "203.0.113.7"},
                              environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen == {0: "10.0.0.2", 1: "203.0.113.7"}


def test_plain_hooks_and_views_run_as_they_are_async_ones_as_flask_runs_them():
    """ParkOpsFlask hands plain functions and methods back unchanged and leaves `async def`
    ones (and anything else) to Flask, which wraps them or says what to install."""
    import functools

    from webapp import ParkOpsFlask

    class Hooks:
        def method(self):
            return "sync"

        async def coroutine_method(self):
            return "async"

    def plain():
        return "sync"

    async def coroutine():
        return "async"

    app = ParkOpsFlask(__name__)
    hooks = Hooks()
    for func in (plain, hooks.method, print):
        assert app.ensure_sync(func) is func
    assert app.ensure_sync(functools.partial(plain)).func is plain
    for func in (coroutine, hooks.coroutine_method, functools.partial(coroutine)):
        try:
            wrapped = app.ensure_sync(func)
        except RuntimeError as exc:          # Flask's answer without its "async" extra
            assert "async" in str(exc)
        else:
            assert wrapped is not func and wrapped() == "async"


def test_current_objects_are_those_behind_flasks_proxies(app):
    """webapp.current hands out the very request, g and app that flask.request, flask.g and
    flask.current_app stand for, and like them refuses to work outside a request."""
    from flask import current_app, g, request

    from webapp.current import this_app, this_g, this_request

    with app.test_request_context("/api/v1/tasks?view=queue"):
        assert this_request() is request._get_current_object()
        assert this_request().args["view"] == "queue"
        this_g().marker = "set through the object"
        assert g.marker == "set through the object"
        assert this_app() is current_app._get_current_object() is app
    with pytest.raises(RuntimeError, match="outside of request context"):
        this_request()

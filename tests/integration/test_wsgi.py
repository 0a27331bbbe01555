"""The wsgi entry point that `make run` and gunicorn load."""
import importlib
import sys


def test_wsgi_app_redirects_anonymous_home_to_login(tmp_path, monkeypatch):
    """`wsgi.app`, configured from the environment, answers / with a redirect to the login page."""
    monkeypatch.setenv("PARKOPS_ENV", "testing")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'wsgi.db'}")
    monkeypatch.delitem(sys.modules, "wsgi", raising=False)
    wsgi = importlib.import_module("wsgi")

    response = wsgi.app.test_client().get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert wsgi.app.config["SQLALCHEMY_DATABASE_URI"].endswith("wsgi.db")

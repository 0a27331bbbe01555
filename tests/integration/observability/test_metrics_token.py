"""/metrics behind METRICS_TOKEN: set in the config or, as documented, in the environment."""
import pytest

from webapp.extensions import db


@pytest.fixture
def metrics_app(make_app, monkeypatch):
    """An app whose METRICS_TOKEN comes from the environment only."""
    monkeypatch.setenv("METRICS_TOKEN", "s3cret-token")
    app = make_app()
    with app.app_context():
        db.create_all()
    return app


@pytest.mark.parametrize("header, status", [
    (None, 401), ("Bearer wrong", 401), ("Bearer sécret", 401), ("Bearer s3cret-token", 200),
])
def test_the_metrics_token_from_the_environment_guards_metrics(metrics_app, header, status):
    """Without the right bearer token (even a non-ASCII one) 401, never a 500 or the gauges."""
    metrics_app.config["PROPAGATE_EXCEPTIONS"] = False
    headers = {"Authorization": header} if header else {}
    response = metrics_app.test_client().get("/metrics", headers=headers)
    assert response.status_code == status
    assert (b"parkops_due_jobs" in response.data) == (status == 200)


def test_metrics_are_open_when_no_token_is_set(make_app, monkeypatch):
    """No METRICS_TOKEN anywhere: Prometheus scrapes without a header (the documented default)."""
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    app = make_app()
    with app.app_context():
        db.create_all()
    assert app.test_client().get("/metrics").status_code == 200

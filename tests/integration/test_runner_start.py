"""When the web app starts the embedded runner."""
from webapp.extensions import db


def test_runner_starts_on_first_request_when_enabled(make_app):
    """With EMBEDDED_RUNNER on outside tests, the first request (even a redirect) starts it once."""
    app = make_app(TESTING=False, EMBEDDED_RUNNER=True, RUNNER_POLL_S=0.05)
    with app.app_context():
        db.create_all()
    assert "parkops.runner" not in app.extensions  # building the app (CLI) starts nothing

    client = app.test_client()
    assert client.get("/").status_code == 302  # anonymous: sent to the login page
    runner = app.extensions["parkops.runner"]
    try:
        assert runner.running
        client.get("/auth/login")
        assert app.extensions["parkops.runner"] is runner
    finally:
        assert runner.stop(timeout=5.0)


def test_no_runner_under_test_config(app, client):
    """TestConfig never starts the runner, so tests drive timers and jobs themselves."""
    client.get("/auth/login")
    assert "parkops.runner" not in app.extensions

"""Signed-cookie sessions of the pages: key rotation, tampering, and none for API calls."""
from flask import Blueprint, Flask

from webapp.sessions import page_hooks

SESSION = "session"


def logged_in(app, cookie):
    """True when a browser holding `cookie` as its session gets the home page, not the login."""
    browser = app.test_client()
    browser.set_cookie(SESSION, cookie)
    return browser.get("/").status_code == 200


def test_sessions_signed_with_a_retired_key_last_until_the_key_is_dropped(app, client, login_as):
    """A new SECRET_KEY with the old one in SECRET_KEY_FALLBACKS keeps people logged in;
    removing the old key from the fallbacks logs them out."""
    assert login_as("agent").status_code == 302
    cookie = client.get_cookie(SESSION).value
    assert logged_in(app, cookie)

    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "a-new-secret-key"
    assert logged_in(app, cookie)

    app.config["SECRET_KEY_FALLBACKS"] = []
    assert not logged_in(app, cookie)


def test_a_changed_session_cookie_counts_as_logged_out(app, client, login_as):
    """A session cookie altered by the browser is refused: the login page, not the account."""
    login_as("agent")
    cookie = client.get_cookie(SESSION).value
    payload, signature = cookie.rsplit(".", 1)
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    assert not logged_in(app, forged)
    response = app.test_client().get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_api_calls_set_no_cookie(app, client, demo_users):
    """Bearer-token calls of the API get no session cookie back, not even an empty one."""
    issued = client.post("/api/v1/token", json={"tenant": "demo", "username": "agent",
                                                "password": "agent"})
    assert issued.status_code == 200 and "Set-Cookie" not in issued.headers
    token = issued.get_json()["token"]
    response = client.get("/api/v1/tasks?view=queue", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert client.get_cookie(SESSION) is None


def test_api_answers_do_not_vary_by_cookie_but_pages_do(client, login_as, demo_users):
    """An API answer depends on its bearer token only, so caches are not told it varies by
    cookie; a page read from the session is."""
    issued = client.post("/api/v1/token", json={"tenant": "demo", "username": "agent",
                                                "password": "agent"})
    token = issued.get_json()["token"]
    answer = client.get("/api/v1/tasks?view=queue", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and "Cookie" not in answer.vary
    login_as("agent")
    page = client.get("/")
    assert page.status_code == 200 and "Cookie" in page.vary


def _hooked_app(order):
    """A bare Flask app with an `api` (sessionless) and a `pages` blueprint: a hook of each
    kind registered before page_hooks' block, and one of each inside it."""
    app = Flask(__name__)
    for name in ("api", "pages"):
        blueprint = Blueprint(name, __name__, url_prefix=f"/{name}")
        blueprint.add_url_rule("/", "index", lambda: "body")
        app.register_blueprint(blueprint)

    def hooks(label):
        app.before_request(lambda: order.append(f"{label} before"))

        @app.after_request
        def after(response):
            order.append(f"{label} after")
            response.headers[f"X-{label}"] = "seen"
            return response

        app.teardown_request(lambda exc: order.append(f"{label} teardown"))

    hooks("every")
    with page_hooks(app, {"api"}):
        hooks("page")
    return app


def test_page_hooks_run_for_pages_and_are_passed_by_for_sessionless_blueprints():
    """Hooks registered inside page_hooks' block run for page requests only; an API request
    skips them (its answer untouched by them) and still runs the hooks registered before."""
    order = []
    client = _hooked_app(order).test_client()

    page = client.get("/pages/")
    assert page.status_code == 200 and page.headers["X-page"] == "seen"
    assert sorted(order) == sorted(f"{label} {kind}" for label in ("every", "page")
                                   for kind in ("before", "after", "teardown"))

    order.clear()
    call = client.get("/api/")
    assert call.status_code == 200 and call.data == b"body"
    assert "X-page" not in call.headers and call.headers["X-every"] == "seen"
    assert sorted(order) == ["every after", "every before", "every teardown"]


def test_api_calls_skip_the_login_and_csrf_hooks_that_pages_run(make_app, demo_users):
    """With CSRF checks on, a posted page form without a token is refused, while a
    bearer-token API call posts without one and its answer carries no cookie."""
    client = make_app(WTF_CSRF_ENABLED=True).test_client()   # on the seeded database file
    assert client.post("/auth/login", data={"username": "agent"}).status_code == 400
    issued = client.post("/api/v1/token", json={"tenant": "demo", "username": "agent",
                                                "password": "agent"})
    assert issued.status_code == 200
    token = issued.get_json()["token"]
    claim = client.post("/api/v1/tasks/no-such-task/claim", json={},
                        headers={"Authorization": f"Bearer {token}"})
    assert claim.status_code == 404 and "Set-Cookie" not in claim.headers

"""Signed-cookie sessions of the pages: key rotation, tampering, and none for API calls."""
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

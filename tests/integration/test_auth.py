"""Login, logout, CSRF and the production secret-key guard."""
import pytest

from processes.accounts.services import get_user
from webapp import create_app
from webapp.config import DEV_SECRET_KEY, ProductionConfig, select_config


def test_login_page_renders(client):
    """GET /auth/login shows the organisation, user name and password fields."""
    response = client.get("/auth/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for field in ('name="tenant"', 'name="username"', 'name="password"'):
        assert field in page


def test_home_requires_login(client):
    """An anonymous visitor of / is sent to the login page, with / as the place to return to."""
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_bad_password_is_refused_with_message(client, login_as):
    """A wrong password keeps the user on the login page with a message and no session."""
    response = login_as("agent", password="not-the-password")
    assert response.status_code == 200
    assert "Unknown user or wrong password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(client, login_as):
    """A user name that does not exist gets the same answer as a wrong password."""
    response = login_as("nobody", password="nobody")
    assert "Unknown user or wrong password." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "username, roles",
    [
        ("admin", ["admin"]),
        ("designer", ["designer"]),
        ("agent", ["back-office"]),
        ("supervisor", ["back-office", "supervisor"]),
    ],
)
def test_demo_users_can_log_in(client, login_as, username, roles):
    """Each demo user logs in with password = user name and sees their name and roles."""
    response = login_as(username)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert f"Welcome, {username}" in page
    for role in roles:
        assert f'<span class="role">{role}</span>' in page


def test_login_is_per_tenant(client, login_as):
    """The right user name and password in another organisation are refused."""
    response = login_as("agent", tenant="other")
    assert "Unknown user or wrong password." in response.get_data(as_text=True)


def test_login_returns_to_next_on_this_site_only(client, demo_users):
    """`next` is followed for a local path and ignored for another host (no open redirect)."""
    creds = {"tenant": "demo", "username": "agent", "password": "agent"}
    evil = client.post("/auth/login?next=https://evil.example/x", data=creds)
    assert evil.headers["Location"] == "/"
    client.post("/auth/logout")
    local = client.post("/auth/login?next=/auth/login", data=creds)
    assert local.headers["Location"] == "/auth/login"


def test_session_cookie_is_httponly_and_lax(client, login_as):
    """The session cookie set at login cannot be read by scripts and is not sent cross-site."""
    response = login_as("agent")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_csrf_is_enforced_when_enabled(app, client, demo_users):
    """With CSRF on, a login POST without the form's token is refused; with it, accepted."""
    app.config["WTF_CSRF_ENABLED"] = True
    creds = {"tenant": "demo", "username": "agent", "password": "agent"}
    assert client.post("/auth/login", data=creds).status_code == 400

    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/auth/login", data={**creds, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_logout_ends_the_session(client, login_as):
    """After POST /auth/logout the home page redirects to the login page again."""
    login_as("agent")
    assert client.get("/").status_code == 200
    response = client.post("/auth/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/").status_code == 302


def test_deactivated_user_is_logged_out(client, login_as, db):
    """Deactivating a user ends their running session at the next request."""
    login_as("agent")
    assert client.get("/").status_code == 200
    get_user(db, "demo", "agent").active = False
    db.commit()
    assert client.get("/").status_code == 302
    assert "Unknown user or wrong password." in login_as("agent").get_data(as_text=True)


def test_logout_by_get_is_not_allowed(client, login_as):
    """A GET on /auth/logout (a link on another site) does not log the user out."""
    login_as("agent")
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("secret", [DEV_SECRET_KEY, ""])
def test_production_refuses_default_or_missing_secret_key(tmp_path, secret):
    """ProductionConfig will not start with the development SECRET_KEY or an empty one."""
    config = type("Prod", (ProductionConfig,), {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
    })
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_from_environment(tmp_path, monkeypatch):
    """PARKOPS_ENV=production refuses to start without SECRET_KEY, then starts with one."""
    monkeypatch.setenv("PARKOPS_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert select_config() is ProductionConfig
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()

    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["EMBEDDED_RUNNER"] is True   # the only runner until RQ workers exist


def test_unknown_environment_name_is_refused(monkeypatch):
    """A misspelt PARKOPS_ENV fails loudly instead of silently running development settings."""
    monkeypatch.setenv("PARKOPS_ENV", "prod")
    with pytest.raises(RuntimeError, match="PARKOPS_ENV"):
        select_config()

"""Role x route matrix of the admin pages: login first, admins only, own tenant's users only."""
import pytest

from webapp.access import AREA_ROLES

from .conftest import log_in

ROUTES = [
    ("GET", "/admin/"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{uid}"),
    ("POST", "/admin/users/{uid}/roles"),
    ("POST", "/admin/users/{uid}/email"),
    ("POST", "/admin/users/{uid}/deactivate"),
    ("POST", "/admin/users/{uid}/reactivate"),
    ("POST", "/admin/users/{uid}/password"),
]
USER_ROUTES = [route for route in ROUTES if "{uid}" in route[1]]
ROLES_OF = {"admin": {"admin"}, "designer": {"designer"}, "agent": {"back-office"},
            "supervisor": {"back-office", "supervisor"}}
ALLOWED = set(AREA_ROLES["admin"])
# Harmless for a demo user: agent keeps the role it has and gets a valid password.
FORM = {"roles": ["back-office"], "password": "agent-pass-2", "confirm": "agent-pass-2",
        "email": "agent@example.com"}


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_is_sent_to_login(client, user_of, method, path):
    """Without a session every admin route redirects to the login page."""
    response = client.open(path.format(uid=user_of("agent").id), method=method, data=FORM)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("username", sorted(ROLES_OF))
def test_only_admins_get_in(client, login_as, user_of, username, method, path):
    """Admins reach every route; designers, agents and supervisors get 403 and change nothing."""
    agent = user_of("agent")
    login_as(username)
    response = client.open(path.format(uid=agent.id), method=method, data=FORM)
    if ROLES_OF[username] & ALLOWED:
        assert response.status_code not in (401, 403)
        assert not response.headers.get("Location", "").startswith("/auth/login")
    else:
        assert response.status_code == 403
        assert user_of("agent").active and user_of("agent").roles == ["back-office"]


@pytest.mark.parametrize("method, path", USER_ROUTES)
def test_another_tenants_user_is_404(client, login_as, user_of, other_user, fresh_client,
                                    method, path):
    """acme's clerk does not exist for demo's admin, and stays as they were."""
    login_as("admin")
    response = client.open(path.format(uid=other_user), method=method, data=FORM | {
        "roles": ["admin"]})
    assert response.status_code == 404
    clerk = user_of("clerk", tenant="acme")
    assert clerk.active and clerk.roles == ["back-office"]
    assert log_in(fresh_client, "clerk", "clerk-password", tenant="acme")


def test_other_tenants_users_are_not_listed(client, login_as, other_user):
    """The list shows demo's users only."""
    login_as("admin")
    assert "clerk" not in client.get("/admin/").get_data(as_text=True)

"""Role x route matrix of the designer: login first, designer/admin only, own tenant only."""
import pytest

from webapp.access import AREA_ROLES

from .conftest import data_file

# (method, path); {key} is a definition key of the tenant the request is about.
ROUTES = [
    ("GET", "/designer/"),
    ("POST", "/designer/upload"),
    ("GET", "/designer/definitions/{key}"),
    ("GET", "/designer/definitions/{key}/versions/1/source"),
    ("GET", "/designer/definitions/{key}/start"),
    ("POST", "/designer/definitions/{key}/start"),
]
OWN_OBJECT_ROUTES = [route for route in ROUTES if "{key}" in route[1]]
USERS = ["admin", "designer", "agent", "supervisor"]
ALLOWED = set(AREA_ROLES["designer"])
ROLES_OF = {"admin": {"admin"}, "designer": {"designer"}, "agent": {"back-office"},
            "supervisor": {"back-office", "supervisor"}}


@pytest.fixture
def own_key(eng, demo_users):
    """claim_review deployed in the demo tenant."""
    eng.deploy(data_file("bpmn", "claim_review.bpmn"), "claim_review.bpmn", "demo")
    return "claim_review"


def _request(client, method, path):
    return client.open(path, method=method, data={"field_amount": "1"})


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_is_sent_to_login(client, own_key, method, path):
    """Without a session every designer route redirects to the login page."""
    response = _request(client, method, path.format(key=own_key))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("username", USERS)
def test_only_designers_and_admins_get_in(client, login_as, own_key, username, method, path):
    """Designer and admin reach every route; back-office and supervisors get 403."""
    login_as(username)
    response = _request(client, method, path.format(key=own_key))
    if ROLES_OF[username] & ALLOWED:
        assert response.status_code not in (401, 403)
        assert not response.headers.get("Location", "").startswith("/auth/login")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("method, path", OWN_OBJECT_ROUTES)
@pytest.mark.parametrize("username", sorted(u for u in USERS if ROLES_OF[u] & ALLOWED))
def test_another_tenants_definition_is_404(client, login_as, other_tenant, eng, username,
                                           method, path):
    """A definition deployed only in tenant acme does not exist for demo users."""
    eng.deploy(data_file("bpmn", "minimal.bpmn"), "minimal.bpmn", "demo")
    login_as(username)
    response = _request(client, method, path.format(key="claim_review"))
    assert response.status_code == 404
    assert eng.instances(other_tenant) == []

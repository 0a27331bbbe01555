"""Role x route matrix of the monitor: login first, supervisor/admin/designer only (cancel:
supervisor/admin), and another tenant's instances and incidents do not exist."""
import pytest

from webapp.access import AREA_ROLES
from webapp.monitor.routes import CANCEL_ROLES, REPAIR_ROLES

# (method, path, roles allowed); {iid} / {incident} name an instance / incident.
ROUTES = [
    ("GET", "/monitor/", AREA_ROLES["monitor"]),
    ("GET", "/monitor/incidents", AREA_ROLES["monitor"]),
    ("GET", "/monitor/instances/{iid}", AREA_ROLES["monitor"]),
    ("GET", "/monitor/instances/{iid}/diagram", AREA_ROLES["monitor"]),
    ("POST", "/monitor/incidents/{incident}/retry", AREA_ROLES["monitor"]),
    ("GET", "/monitor/instances/{iid}/cancel", CANCEL_ROLES),
    ("POST", "/monitor/instances/{iid}/cancel", CANCEL_ROLES),
    ("POST", "/monitor/instances/{iid}/variables", REPAIR_ROLES),
]
ROLES_OF = {"admin": {"admin"}, "designer": {"designer"}, "agent": {"back-office"},
            "supervisor": {"back-office", "supervisor"}}
# (user, method, path) of each object route with a user allowed on it.
ALLOWED_ON_OBJECTS = [(user, method, path) for method, path, allowed in ROUTES if "{" in path
                      for user in sorted(ROLES_OF) if ROLES_OF[user] & set(allowed)]


def _url(path, incident):
    return path.format(iid=incident.instance_id, incident=incident.id)


@pytest.mark.parametrize("method, path, allowed", ROUTES)
def test_anonymous_is_sent_to_login(client, incident, method, path, allowed):
    """Without a session every monitor route redirects to the login page."""
    response = client.open(_url(path, incident), method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("method, path, allowed", ROUTES)
@pytest.mark.parametrize("username", sorted(ROLES_OF))
def test_roles_decide_who_gets_in(client, login_as, incident, username, method, path, allowed):
    """Allowed roles reach the route; everyone else gets 403 and nothing changes."""
    login_as(username)
    response = client.open(_url(path, incident), method=method)
    if ROLES_OF[username] & set(allowed):
        assert response.status_code not in (401, 403)
        assert not response.headers.get("Location", "").startswith("/auth/login")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("username, method, path", ALLOWED_ON_OBJECTS)
def test_another_tenants_objects_are_404(client, login_as, other_tenant, eng, username, method,
                                         path):
    """acme's instance and incident answer 404 to demo users allowed on the route, untouched."""
    login_as(username)
    response = client.open(_url(path, other_tenant), method=method)
    assert response.status_code == 404
    assert eng.instance(other_tenant.instance_id).status == "running"
    assert [i.id for i in eng.incidents("acme")] == [other_tenant.id]


def test_other_tenants_instances_are_not_listed(client, login_as, other_tenant, incident):
    """The list and the incidents page show demo's rows only."""
    login_as("supervisor")
    listing = client.get("/monitor/").get_data(as_text=True)
    assert f"/monitor/instances/{incident.instance_id}" in listing
    assert f"/monitor/instances/{other_tenant.instance_id}\"" not in listing
    incidents = client.get("/monitor/incidents").get_data(as_text=True)
    assert f"#{other_tenant.id} ·" not in incidents and f"#{incident.id} ·" in incidents

"""Who may use which basket list route: the role x route matrix, tenants, and CSRF."""
import re

import pytest
from sqlalchemy import select

from processes.accounts.services import seed_demo
from processes.basket.models import SavedFilter
from webapp.extensions import db as _db
from webapp.extensions import get_engine

from .conftest import BPMN

USERS = ("anonymous", "admin", "designer", "agent", "supervisor")
# (method, path, expected status for a user who may, and who may not, use it)
ROUTES = {
    "index": ("GET", "/basket/", 302),
    "inbox": ("GET", "/basket/inbox", 200),
    "queue": ("GET", "/basket/queue", 200),
    "escalated": ("GET", "/basket/escalated", 200),
    "done": ("GET", "/basket/done", 200),
    "claim": ("POST", "/basket/queue/claim", 303),
    "claim-escalated": ("POST", "/basket/escalated/claim", 303),
    "reassign": ("POST", "/basket/queue/reassign", 303),
    "save-filter": ("POST", "/basket/queue/filters", 303),
    "delete-filter": ("POST", "/basket/filters/{filter_id}/delete", 303),
}
SUPERVISORS_ONLY = {"escalated", "claim-escalated", "reassign"}


def expected(user, route):
    """Anonymous: login page; supervisor-only routes: 403 for others; someone else's filter: 404."""
    allowed = ROUTES[route][2]
    if user == "anonymous":
        return 302
    if route in SUPERVISORS_ONLY and user != "supervisor":
        return 403
    if route == "delete-filter" and user != "supervisor":
        return 404
    return allowed


@pytest.fixture
def supervisors_filter(work, client_for, db):
    """Id of a filter the supervisor saved."""
    client_for("supervisor").post("/basket/queue/filters?due=week", data={"name": "Week"})
    return db.scalar(select(SavedFilter.id))


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("user", USERS)
def test_role_route_matrix(app, work, client_for, supervisors_filter, user, route):
    """Every list route answers each role as the access rules say."""
    method, path, _ = ROUTES[route]
    client = app.test_client() if user == "anonymous" else client_for(user)
    data = {"task_ids": ["no-such-task"], "user": "bob", "name": "Mine"}
    response = client.open(path.format(filter_id=supervisors_filter), method=method,
                           data=data if method == "POST" else None)
    assert response.status_code == expected(user, route)
    if user == "anonymous":
        assert response.headers["Location"].startswith("/auth/login?next=")


def test_bulk_actions_need_a_csrf_token(make_app):
    """With CSRF on, a bulk claim without the page's token is refused and changes nothing."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        _db.create_all()
        seed_demo(_db.session)
        _db.session.commit()
        eng = get_engine()
    eng.deploy((BPMN / "claim_review.bpmn").read_bytes(), "claim_review.bpmn", "demo")
    instance_id = eng.start("claim_review", "OCC-0001", {"amount": 1}, "demo")
    (task,) = eng.instance_tasks(instance_id)
    client = app.test_client()
    client.post("/auth/login", data={"tenant": "demo", "username": "agent", "password": "agent",
                                     "csrf_token": token(client.get("/auth/login"))})
    assert client.post("/basket/queue/claim", data={"task_ids": [task.id]}).status_code == 400
    assert eng.task(task.id).assignee is None
    page = client.get("/basket/queue")
    response = client.post("/basket/queue/claim",
                           data={"task_ids": [task.id], "csrf_token": token(page)})
    assert response.status_code == 303
    assert eng.task(task.id).assignee == "agent"


def token(response):
    """The CSRF token in a page's form."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                     response.get_data(as_text=True)).group(1)

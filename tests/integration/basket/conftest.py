"""Basket list fixtures: demo users plus bob and another tenant, a frozen clock, and tasks
started through the app's own engine."""
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest

from processes.accounts.services import create_tenant, create_user, get_tenant
from webapp.extensions import db as _db

from ...conftest import T0  # noqa: F401  (the suite's frozen "now", used by tests here)

BPMN = Path(__file__).resolve().parents[2] / "data" / "bpmn"
PERMIT = Path(__file__).resolve().parent / "data" / "permit_check.bpmn"


@pytest.fixture
def people(app, demo_users):
    """Demo users, bob (back-office) in 'demo', and olga (back-office) in tenant 'other'."""
    with app.app_context():
        create_user(_db.session, get_tenant(_db.session, "demo"), "bob", "bob",
                    roles=("back-office",))
        other = create_tenant(_db.session, "other", "Other Parking", "Europe/London")
        create_user(_db.session, other, "olga", "olga", roles=("back-office",))
        _db.session.commit()


@pytest.fixture
def work(eng, people, clock):
    """Open tasks by business key -> task id; the clock ends at T0 + 4 min.

    CMP-0001  escalation (Answer complaint), back-office, due T0+1d, priority 50, created T0
    OCC-0001..3  claim_review (Review claim), back-office, due created+2d, priority 70
    PRM-0001  permit_check (Check permit), offered to agent by name, no deadline, priority 30
    OCC-0999  claim_review in tenant 'other'
    """
    for name in ("claim_review.bpmn", "escalation.bpmn"):
        eng.deploy((BPMN / name).read_bytes(), name, "demo", actor="designer")
    eng.deploy(PERMIT.read_bytes(), PERMIT.name, "demo", actor="designer")
    eng.deploy((BPMN / "claim_review.bpmn").read_bytes(), "claim_review.bpmn", "other")
    clock.move_to(T0 - timedelta(minutes=10))
    started = {"CMP-0001": eng.start("escalation", "CMP-0001",
                                     {"customer": "ACME", "category": "noise"}, "demo")}
    clock.move_to(T0)
    eng.fire_due_timers()
    for n in (1, 2, 3):
        clock.shift(timedelta(minutes=1))
        started[f"OCC-000{n}"] = eng.start("claim_review", f"OCC-000{n}", {"amount": n}, "demo")
    clock.shift(timedelta(minutes=1))
    started["PRM-0001"] = eng.start("permit_check", "PRM-0001",
                                    {"reviewer": "agent", "prio": 30, "plate": "1-ABC-123"},
                                    "demo")
    started["OCC-0999"] = eng.start("claim_review", "OCC-0999", {"amount": 9}, "other")
    return {key: _open_task(eng, instance_id) for key, instance_id in started.items()}


def _open_task(eng, instance_id):
    (task,) = [t for t in eng.instance_tasks(instance_id) if t.status == "open"]
    return task.id


@pytest.fixture
def client_for(app, people):
    """Factory: a new test client logged in as `username` of `tenant`."""
    def login(username, tenant="demo"):
        client = app.test_client()
        response = client.post("/auth/login", data={"tenant": tenant, "username": username,
                                                     "password": username})
        assert response.status_code == 302, f"{username} could not log in"
        return client
    return login


def listed(response):
    """Business keys of the listed rows, in page order."""
    return re.findall(r'<td class="bkey">([^<]*)</td>', response.get_data(as_text=True))


def flashes(response):
    """Texts of the flash messages on a page."""
    return [unescape(m) for m in re.findall(r'<p class="flash[^"]*" role="status">([^<]*)</p>',
                                            response.get_data(as_text=True))]


def row_html(response, task_id):
    """The <tr> of one task on a list page."""
    page = response.get_data(as_text=True)
    match = re.search(rf'<tr[^>]*data-task-id="{task_id}".*?</tr>', page, re.S)
    assert match, f"task {task_id} not listed"
    return match.group(0)

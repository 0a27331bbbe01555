"""The task page: facts, form per field type, Claim/Unclaim/Complete/Reassign, conflicts, access."""
import threading
from io import BytesIO

import pytest

from engine import InstanceStatus
from tests.integration.basket.task_helpers import (  # noqa: F401  (frozen_clock is a fixture)
    FormControls, add_user, engine_of, frozen_clock, log_in, png_bytes, seed_demo_users,
    start_claim_review, start_permit_request, task_url, upload_dir)


@pytest.fixture
def review(app, demo_users, frozen_clock, upload_dir):
    """An open, unclaimed 'Review claim' task (back-office, due in 2 d, priority 70)."""
    return start_claim_review(app)


@pytest.fixture
def permit(app, demo_users, frozen_clock):
    """An open 'Approve permit' task whose form holds every field type."""
    return start_permit_request(app)


def text(response):
    """The body of a response as text."""
    return response.get_data(as_text=True)


def fresh(app, task):
    """The task row as the database holds it now."""
    return engine_of(app).task(task.id)


# -- what the page shows --------------------------------------------------------------------

def test_page_shows_the_task_facts_in_the_tenant_time_zone(app, review):
    """Name, process, business key, due (relative + Brussels time), priority, assignee, groups."""
    page = text(log_in(app, "agent").get(task_url(review)))
    assert "Review claim" in page and "Claim review" in page
    assert 'data-testid="business-key">OCC-0042<' in page
    assert "in 2 d" in page and "Wed 4 Mar 2026, 10:00 CET" in page
    assert "70 · high" in page
    assert "Nobody yet: in the queue" in page
    assert '<span class="chip">back-office</span>' in page


def test_page_shows_the_key_variables_of_the_case(app, permit):
    """The process's basketColumns (plate, zone) are listed first, with their values."""
    page = text(log_in(app, "agent").get(task_url(permit)))
    key_block = page.split('data-testid="key-variables"')[1].split("</dl>")[0]
    assert "<dt>plate</dt><dd>1-ABC-123</dd>" in key_block
    assert "<dt>zone</dt><dd>north</dd>" in key_block


def test_overdue_task_is_flagged(app, review, frozen_clock):
    """Past its due time the page says how long overdue, and shows the Overdue badge."""
    frozen_clock.shift(3 * 24 * 3600)
    page = text(log_in(app, "agent").get(task_url(review)))
    assert "1 d overdue" in page and 'data-testid="overdue"' in page


def test_form_renders_each_field_type_with_its_html_hints(app, permit):
    """string: text, long: number, boolean: checkbox or yes/no, date: date, enum: select."""
    controls = FormControls(text(log_in(app, "agent").get(task_url(permit))))
    reason = controls.one("field_reason")
    assert (reason["type"], reason["minlength"], reason["maxlength"]) == ("text", "3", "20")
    assert "required" in reason
    nights = controls.one("field_nights")
    assert [nights[k] for k in ("type", "min", "max", "value")] == ["number", "1", "14", "2"]
    assert controls.one("field_urgent")["type"] == "checkbox"
    approved = controls.controls["field_approved"]
    assert [(r["type"], r["value"]) for r in approved] == [("radio", "true"), ("radio", "false")]
    assert all("required" in r and "checked" not in r for r in approved)
    until = controls.one("field_valid_until")
    assert (until["type"], until["min"], until["max"]) == ("date", "2026-01-01", "2026-12-31")
    assert controls.one("field_zone")["tag"] == "select"
    options = [(o["value"], "selected" in o) for o in controls.options["field_zone"]]
    assert options == [("", False), ("north", True), ("south", False)]


def test_readonly_field_is_shown_but_not_editable_or_taken(app, permit):
    """A readonly field shows the case's value; a posted value for it is ignored."""
    client = log_in(app, "agent")
    plate = FormControls(text(client.get(task_url(permit)))).one("field_plate")
    assert plate["value"] == "1-ABC-123" and "readonly" in plate
    response = client.post(task_url(permit, "complete"), data={
        "field_plate": "HACKED", "field_reason": "Valid permit", "field_approved": "true",
        "field_zone": "south"})
    assert response.status_code == 302
    variables = engine_of(app).instance(permit.instance_id).variables
    assert variables["plate"] == "1-ABC-123" and variables["zone"] == "south"
    assert variables["urgent"] is False and variables["nights"] == 2


# -- refused values: 422, per field, nothing changed ------------------------------------------

def test_invalid_values_come_back_as_422_with_a_message_per_field(app, permit):
    """Each refused field shows the engine's message; the typed values stay; nothing changes."""
    client = log_in(app, "agent")
    response = client.post(task_url(permit, "complete"), data={
        "field_reason": "ab", "field_nights": "20", "field_valid_until": "2027-05-01",
        "field_zone": "west"})
    assert response.status_code == 422
    page = text(response)
    expected = {"field_reason": "Must be at least 3 characters.",
                "field_nights": "Must be at most 14.",
                "field_approved": "This field is required.",
                "field_valid_until": "Must be on or before 2026-12-31.",
                "field_zone": "Choose one of: north, south."}
    for name, message in expected.items():
        block = page.split(f'data-field="{name}"')[1].split('<div class="field')[0]
        assert message in block, name
    controls = FormControls(page)
    assert controls.one("field_reason")["value"] == "ab"
    assert controls.one("field_plate")["value"] == "1-ABC-123"    # readonly: from the case
    assert "Nothing was saved" in page
    row = fresh(app, permit)
    assert (row.status, row.assignee) == ("open", None)
    assert "task_completed" not in [e.kind for e in engine_of(app).history(permit.instance_id)]


# -- complete ---------------------------------------------------------------------------------

def test_complete_claims_implicitly_and_ends_the_instance(app, review):
    """Completing an unclaimed task works for a candidate; 'approved' runs the case to its end."""
    client = log_in(app, "agent")
    response = client.post(task_url(review, "complete"),
                           data={"field_approved": "true", "field_note": "fine"})
    assert response.status_code == 302 and response.location.endswith(task_url(review))
    page = text(client.get(response.location))
    assert "You completed “Review claim”." in page and "You completed this task" in page
    assert fresh(app, review).completed_by == "agent"
    assert engine_of(app).instance(review.instance_id).status == InstanceStatus.COMPLETED


def test_completing_twice_answers_409_with_who_and_when(app, review):
    """A double click: the second POST gets 409 and 'already completed by agent at 10:00'."""
    client = log_in(app, "agent")
    first = client.post(task_url(review, "complete"), data={"field_approved": "true"})
    second = client.post(task_url(review, "complete"), data={"field_approved": "true"})
    assert first.status_code == 302 and second.status_code == 409
    assert "This task was already completed by agent at 10:00." in text(second)
    assert "Traceback" not in text(second)


def test_two_users_completing_at_once_complete_it_once(app, review):
    """Two clients in two threads: one wins (302), the other gets 409 naming the winner."""
    clients = {name: log_in(app, name) for name in ("agent", "supervisor")}
    barrier, results = threading.Barrier(2), {}

    def complete(name):
        """Wait for the other thread, then both POST at once."""
        barrier.wait(timeout=10)
        results[name] = clients[name].post(task_url(review, "complete"),
                                           data={"field_approved": "false"})

    threads = [threading.Thread(target=complete, args=(n,)) for n in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    codes = sorted(r.status_code for r in results.values())
    assert codes == [302, 409]
    winner = fresh(app, review).completed_by
    loser = next(r for r in results.values() if r.status_code == 409)
    assert f"This task was already completed by {winner} at 10:00." in text(loser)
    kinds = [e.kind for e in engine_of(app).history(review.instance_id)]
    assert kinds.count("task_completed") == 1


def test_completing_a_task_claimed_by_someone_else_is_a_409(app, review):
    """Only the assignee completes a claimed task; the others are told who has it."""
    assert log_in(app, "supervisor").post(task_url(review, "claim")).status_code == 302
    response = log_in(app, "agent").post(task_url(review, "complete"),
                                         data={"field_approved": "true"})
    assert response.status_code == 409
    assert "This task is already claimed by supervisor." in text(response)
    assert fresh(app, review).status == "open"


# -- claim and unclaim ------------------------------------------------------------------------

def test_claim_then_unclaim(app, review):
    """Claim makes me the assignee (Unclaim offered); Unclaim puts the task back in the queue."""
    client = log_in(app, "agent")
    response = client.post(task_url(review, "claim"))
    assert response.status_code == 302 and fresh(app, review).assignee == "agent"
    page = text(client.get(task_url(review)))
    assert "You claimed “Review claim”." in page and ">Unclaim</button>" in page
    assert client.post(task_url(review, "unclaim")).status_code == 302
    assert fresh(app, review).assignee is None
    assert ">Claim</button>" in text(client.get(task_url(review)))


def test_claiming_a_task_someone_else_claimed_is_a_409(app, review):
    """The second claimer learns who was faster."""
    log_in(app, "supervisor").post(task_url(review, "claim"))
    response = log_in(app, "agent").post(task_url(review, "claim"))
    assert response.status_code == 409
    assert "This task is already claimed by supervisor." in text(response)


def test_unclaiming_another_users_task_is_a_409(app, review):
    """Only the assignee can unclaim; the task stays theirs."""
    log_in(app, "supervisor").post(task_url(review, "claim"))
    response = log_in(app, "agent").post(task_url(review, "unclaim"))
    assert response.status_code == 409 and fresh(app, review).assignee == "supervisor"


# -- reassign: supervisors, or the assignee handing over to an eligible colleague --------------

@pytest.mark.parametrize("claimer, actor, target, status, assignee", [
    (None, "supervisor", "agent", 302, "agent"),              # supervisor hands out a queued task
    ("agent", "supervisor", "", 302, None),                   # ... or sends it back to the queue
    ("agent", "agent", "supervisor", 302, "supervisor"),      # the assignee hands it over
    (None, "agent", "supervisor", 403, None),                 # not the assignee, not a supervisor
    ("supervisor", "agent", "agent", 403, "supervisor"),      # nor can one take it from another
    (None, "supervisor", "designer", 422, None),              # designer may not work on it
    (None, "supervisor", "ghost", 422, None),                 # no such user
    ("agent", "supervisor", "agent", 422, "agent"),           # already theirs
])
def test_reassign_rule(app, review, claimer, actor, target, status, assignee):
    """Who may reassign to whom: supervisors any task, assignees their own, to eligible people."""
    if claimer:
        log_in(app, claimer).post(task_url(review, "claim"))
    response = log_in(app, actor).post(task_url(review, "reassign"), data={"user": target})
    assert response.status_code == status
    assert fresh(app, review).assignee == assignee


def test_reassign_refusal_names_the_reason_at_the_field(app, review):
    """Handing a task to someone outside its groups: 422 with the reason under the select."""
    response = log_in(app, "supervisor").post(task_url(review, "reassign"),
                                              data={"user": "designer"})
    assert response.status_code == 422
    assert ("designer cannot work on &#39;Review claim&#39;: it is for back-office."
            in text(response).split('id="reassign-error"')[1])


def test_supervisor_can_take_over_once_the_task_is_escalated(app, review, frozen_clock):
    """A supervisor-only user becomes eligible when the deadline passes and it is escalated."""
    add_user(app, "demo", "boss", ["supervisor"])
    boss = log_in(app, "boss")
    assert boss.post(task_url(review, "reassign"), data={"user": "boss"}).status_code == 422
    frozen_clock.shift(3 * 24 * 3600)
    assert engine_of(app).escalate_overdue() == 1
    assert boss.post(task_url(review, "reassign"), data={"user": "boss"}).status_code == 302
    assert fresh(app, review).assignee == "boss"


# -- access: who may open a task ----------------------------------------------------------------

@pytest.fixture
def rival_client(app, demo_users):
    """A back-office user of another tenant ('rival')."""
    add_user(app, "rival", "mallory", ["back-office"])
    return log_in(app, "mallory", tenant="rival")


@pytest.mark.parametrize("username, status", [
    ("agent", 200), ("supervisor", 200), ("designer", 403), ("admin", 403)])
def test_viewing_is_for_candidates_assignee_and_supervisors(app, review, username, status):
    """Candidates (back-office) and supervisors may open the task; designer and admin get 403."""
    assert log_in(app, username).get(task_url(review)).status_code == status


def test_whoever_completed_a_task_may_still_open_it(app, review):
    """The Done view links here, so the completer keeps access after losing the role."""
    add_user(app, "demo", "temp", ["back-office"])
    client = log_in(app, "temp")
    client.post(task_url(review, "complete"), data={"field_approved": "true"})
    assert fresh(app, review).completed_by == "temp"
    assert client.get(task_url(review)).status_code == 200


def test_another_tenants_task_is_not_found(app, review, rival_client):
    """Even a back-office user of another tenant gets 404, as for a task that does not exist."""
    assert rival_client.get(task_url(review)).status_code == 404
    assert rival_client.get("/basket/tasks/no-such-task").status_code == 404


def test_anonymous_visitors_go_to_the_login_page(client, review):
    """No session: the task page redirects to the login page."""
    response = client.get(task_url(review))
    assert response.status_code == 302 and "/auth/login" in response.location


def test_actions_need_a_csrf_token(make_app, frozen_clock):
    """With CSRF on, a POST without the page's token is refused and changes nothing."""
    app = make_app(WTF_CSRF_ENABLED=True)
    seed_demo_users(app)
    task = start_claim_review(app)
    client = log_in(app, "agent")
    assert client.post(task_url(task, "claim")).status_code == 400
    assert fresh(app, task).assignee is None
    token = FormControls(text(client.get(task_url(task)))).controls["csrf_token"][0]["value"]
    assert client.post(task_url(task, "claim"), data={"csrf_token": token}).status_code == 302
    assert fresh(app, task).assignee == "agent"


# -- role x route matrix ------------------------------------------------------------------------

def _png_upload():
    return {"file": (BytesIO(png_bytes()), "photo.png")}


ROUTES = {   # name: (method, path under the task, form data)
    "view": ("GET", "", None),
    "claim": ("POST", "claim", {}),
    "unclaim": ("POST", "unclaim", {}),
    "complete": ("POST", "complete", {"field_approved": "true"}),
    "reassign": ("POST", "reassign", {"user": "agent"}),
    "comment": ("POST", "comments", {"body": "Called the customer."}),
    "attach": ("POST", "attachments", "png"),
    "download": ("GET", "attachments/{attachment}", None),
}
ALLOWED = {
    "agent": dict(view=200, claim=302, unclaim=302, complete=302, reassign=403, comment=302,
                  attach=302, download=200),
    "supervisor": dict(view=200, claim=302, unclaim=302, complete=302, reassign=302, comment=302,
                       attach=302, download=200),
}
REFUSED = {"anonymous": 302, "admin": 403, "designer": 403, "mallory": 404}


def _expected(user, route):
    return ALLOWED[user][route] if user in ALLOWED else REFUSED[user]


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("user", ["anonymous", "admin", "designer", "agent", "supervisor",
                                  "mallory"])
def test_role_route_matrix(app, review, rival_client, user, route):
    """Every task route x every kind of user: login redirect, 403, 404 or the working answer."""
    attachment = None
    if route == "download":
        upload = log_in(app, "supervisor").post(task_url(review, "attachments"), data=_png_upload())
        assert upload.status_code == 302
        attachment = engine_of(app).history(review.instance_id)[-1].payload["attachment"]
    special = {"anonymous": app.test_client(), "mallory": rival_client}
    client = special.get(user) or log_in(app, user)
    method, path, data = ROUTES[route]
    url = task_url(review, path.format(attachment=attachment))
    data = _png_upload() if data == "png" else data
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    assert response.status_code == _expected(user, route), text(response)[:500]
    if user == "anonymous":
        assert "/auth/login" in response.location

"""Incidents page: listing, Retry (POST + CSRF), repairing variables before a Retry, and
cancelling an instance after confirmation."""
import json
import re

import pytest
from markupsafe import escape

from processes.accounts.services import seed_demo
from webapp.extensions import db


def _page(response):
    return response.get_data(as_text=True)


def test_open_incident_is_listed_with_its_message_and_buttons(client, login_as, incident):
    """The incident shows task, sandbox message, instance and Retry / Cancel instance buttons."""
    login_as("supervisor")
    page = _page(client.get("/monitor/incidents"))
    assert f"#{incident.id} · Compute" in page
    assert "exponent too large" in page
    assert f'<a href="/monitor/instances/{incident.instance_id}">instance' in page
    assert f'action="/monitor/incidents/{incident.id}/retry"' in page
    assert f'href="/monitor/instances/{incident.instance_id}/cancel"' in page


def test_designer_may_retry_but_is_not_offered_cancel(client, login_as, incident):
    """Designers fix scripts and retry; cancelling is for supervisors and admins."""
    login_as("designer")
    page = _page(client.get("/monitor/incidents"))
    assert f'action="/monitor/incidents/{incident.id}/retry"' in page
    assert "/cancel" not in page


def test_retry_resolves_the_incident_and_a_repeat_failure_opens_a_new_one(
        client, login_as, incident, eng):
    """Retry marks the incident resolved by the user; the same bomb fails into a new incident."""
    login_as("supervisor")
    response = client.post(f"/monitor/incidents/{incident.id}/retry")
    assert response.status_code == 302
    assert response.headers["Location"] == "/monitor/incidents"
    [old] = [i for i in eng.incidents("demo", open_only=False) if i.id == incident.id]
    assert old.resolved_by == "supervisor" and old.resolved_at is not None
    [new] = eng.incidents("demo")
    assert new.id != incident.id and "exponent too large" in new.message
    page = _page(client.get("/monitor/incidents"))
    assert f"Incident #{incident.id} retried." in page
    assert f"#{new.id} · Compute" in page and f"#{incident.id} · Compute" not in page
    assert f"#{incident.id} · Compute" in _page(client.get("/monitor/incidents?show=all"))
    history = _page(client.get(f"/monitor/instances/{incident.instance_id}"))
    assert "Incident retried" in history


def test_retry_from_the_instance_page_returns_there(client, login_as, incident):
    """A Retry pressed on the instance page comes back to the instance page."""
    login_as("supervisor")
    response = client.post(f"/monitor/incidents/{incident.id}/retry",
                           data={"back": str(incident.instance_id)})
    assert response.headers["Location"] == f"/monitor/instances/{incident.instance_id}"


def test_retrying_a_resolved_incident_is_a_409(client, login_as, incident):
    """The second Retry of one incident (double click, two people) is refused with 409."""
    login_as("supervisor")
    client.post(f"/monitor/incidents/{incident.id}/retry")
    again = client.post(f"/monitor/incidents/{incident.id}/retry")
    assert again.status_code == 409
    assert "already resolved" in _page(again)


def test_retry_needs_the_csrf_token(make_app, incident):
    """With CSRF on, a Retry POST without the token is refused and the incident stays open."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        seed_demo(db.session)
        db.session.commit()
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      _page(client.get("/auth/login"))).group(1)
    client.post("/auth/login", data={"tenant": "demo", "username": "supervisor",
                                     "password": "supervisor", "csrf_token": token})
    assert client.post(f"/monitor/incidents/{incident.id}/retry").status_code == 400
    assert [i.id for i in app.extensions["parkops"].incidents("demo")] == [incident.id]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      _page(client.get("/monitor/incidents"))).group(1)
    done = client.post(f"/monitor/incidents/{incident.id}/retry", data={"csrf_token": token})
    assert done.status_code == 302


def test_cancel_asks_for_confirmation_then_cancels(client, login_as, incident, eng):
    """GET shows a confirmation with a POST button; POST cancels and returns to the instance."""
    login_as("supervisor")
    iid = incident.instance_id
    confirm = client.get(f"/monitor/instances/{iid}/cancel")
    assert confirm.status_code == 200
    assert f"Yes, cancel instance #{iid}" in _page(confirm)
    assert eng.instance(iid).status == "running"
    done = client.post(f"/monitor/instances/{iid}/cancel")
    assert done.status_code == 302 and done.headers["Location"] == f"/monitor/instances/{iid}"
    assert eng.instance(iid).status == "cancelled"
    page = _page(client.get(f"/monitor/instances/{iid}"))
    assert f"Instance #{iid} was cancelled." in page and "Instance cancelled" in page


def test_cancelling_an_ended_instance_is_a_409(client, login_as, incident, eng):
    """A second cancel, or the confirmation of an ended instance, answers 409 clearly."""
    login_as("admin")
    iid = incident.instance_id
    client.post(f"/monitor/instances/{iid}/cancel")
    again = client.post(f"/monitor/instances/{iid}/cancel")
    assert again.status_code == 409
    assert "already cancelled" in _page(again)
    confirm = client.get(f"/monitor/instances/{iid}/cancel")
    assert confirm.status_code == 409
    assert "there is nothing to cancel" in _page(confirm)


def test_no_open_incident_says_so(client, login_as, demo_users):
    """An empty incident list says everything runs."""
    login_as("supervisor")
    assert "No open incidents." in _page(client.get("/monitor/incidents"))


def test_incidents_of_each_instance_show_on_its_page(client, login_as, incident, eng):
    """The instance page lists its incident with a Retry button that returns to it."""
    login_as("supervisor")
    page = _page(client.get(f"/monitor/instances/{incident.instance_id}"))
    assert "exponent too large" in page
    assert f'<input type="hidden" name="back" value="{incident.instance_id}">' in page


def test_supervisor_repairs_a_variable_then_retry_succeeds(client, login_as, incident, eng):
    """The instance page offers the variables as JSON; the changed value is saved, audited,
    and the retried step computes with it."""
    login_as("supervisor")
    page = client.get(f"/monitor/instances/{incident.instance_id}").get_data(as_text=True)
    assert "Change variables" in page and "&#34;exponent&#34;: 387420489" in page
    edited = {"base": 9, "exponent": 2, "loops": 1}
    response = client.post(f"/monitor/instances/{incident.instance_id}/variables",
                           data={"variables": json.dumps(edited)})
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Changed exponent. Retry the incident to run the step with the new values." in shown
    [event] = [e for e in eng.history(incident.instance_id) if e.kind == "variables_changed"]
    assert event.actor == "supervisor" and event.payload["after"] == {"exponent": 2}
    client.post(f"/monitor/incidents/{incident.id}/retry", data={"back": incident.instance_id})
    assert eng.incidents("demo", instance_id=incident.instance_id) == []
    assert eng.instance(incident.instance_id).variables["result"] == 81


@pytest.mark.parametrize("text, status, message", [
    ("{not json", 422, "Not valid JSON"),
    ("[1, 2]", 422, "Write one JSON object"),
    ('{"2bad": 1}', 422, "2bad: A variable name is a letter"),
])
def test_bad_variables_are_refused_with_the_message_and_the_typed_text(
        client, login_as, incident, eng, text, status, message):
    """Refused input re-renders the page with the message and the text; nothing changes."""
    login_as("supervisor")
    response = client.post(f"/monitor/instances/{incident.instance_id}/variables",
                           data={"variables": text})
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in page
    assert escape(text) in page
    assert eng.instance(incident.instance_id).variables["exponent"] == 387420489


def test_designer_sees_variables_but_may_not_change_them(client, login_as, incident):
    """Variable repair is for supervisors and admins; a designer sees no form and gets 403."""
    login_as("designer")
    page = client.get(f"/monitor/instances/{incident.instance_id}").get_data(as_text=True)
    assert "Change variables" not in page
    response = client.post(f"/monitor/instances/{incident.instance_id}/variables",
                           data={"variables": "{}"})
    assert response.status_code == 403


def test_instance_page_draws_its_diagram_with_the_failed_step_marked(client, login_as,
                                                                       incident):
    """The page asks for the instance's own diagram and marks the step that has the incident."""
    login_as("supervisor")
    page = _page(client.get(f"/monitor/instances/{incident.instance_id}"))
    assert f'data-bpmn-url="/monitor/instances/{incident.instance_id}/diagram"' in page
    assert 'data-failed="[&#34;compute&#34;]"' in page
    source = client.get(f"/monitor/instances/{incident.instance_id}/diagram")
    assert source.status_code == 200 and source.mimetype == "application/xml"
    assert b'id="compute"' in source.data
    assert "sandbox" in source.headers["Content-Security-Policy"]

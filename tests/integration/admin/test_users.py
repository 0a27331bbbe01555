"""Admin user management: list, create, roles, (de)activation and password reset."""
import pytest

from .conftest import log_in

GOOD = {"username": "dora", "email": "dora@example.com", "password": "dora-pass-1",
        "confirm": "dora-pass-1", "roles": ["back-office", "supervisor"]}


def _page(response):
    return response.get_data(as_text=True)


def test_list_shows_users_with_roles_and_state(client, login_as):
    """The user list shows every demo user with role badges, and marks the admin as 'you'."""
    login_as("admin")
    page = _page(client.get("/admin/"))
    for username in ("admin", "designer", "agent", "supervisor"):
        assert f">{username}</a>" in page
    assert '<span class="badge">supervisor</span>' in page
    assert "(you)" in page


def test_create_user_who_can_then_log_in(client, login_as, user_of, fresh_client,
                                         audit_events):
    """A valid new user is stored with roles and e-mail, audited, and can log in at once."""
    login_as("admin")
    response = client.post("/admin/users/new", data=GOOD)
    dora = user_of("dora")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{dora.id}"
    assert dora.roles == ["back-office", "supervisor"] and dora.email == "dora@example.com"
    assert "User dora was created." in _page(client.get(response.headers["Location"]))
    assert log_in(fresh_client, "dora", "dora-pass-1")
    [event] = audit_events("user_created")
    assert event.actor == "admin" and event.tenant == "demo"
    assert event.payload == {"user": "dora", "roles": ["back-office", "supervisor"]}


@pytest.mark.parametrize("changes, field_message", [
    ({"username": "agent"}, "The user name &#39;agent&#39; is already taken."),
    ({"username": "bad name!"}, "Use 1 to 64 letters, digits"),
    ({"password": "short", "confirm": "short"}, "Use 8 to 256 characters."),
    ({"confirm": "something-else"}, "The two passwords differ."),
    ({"email": "not-an-address"}, "Enter an e-mail address such as name@example.com."),
    ({"roles": ["janitor"]}, "&#39;janitor&#39; is not a valid choice for this field."),
    ({"username": ""}, "This field is required."),
])
def test_bad_new_user_answers_422_keeping_the_input(client, login_as, user_of, changes,
                                                    field_message):
    """Refused input re-renders the form with the message and the typed values; nobody is added."""
    login_as("admin")
    data = GOOD | changes
    response = client.post("/admin/users/new", data=data)
    page = _page(response)
    assert response.status_code == 422
    assert field_message in page
    assert "no user was created" in page
    if data["username"]:
        assert f'value="{data["username"]}"' in page
    if "email" not in changes:
        assert 'value="dora@example.com"' in page
    assert user_of("dora") is None


def test_several_refused_inputs_are_reported_together(client, login_as):
    """A taken name, a bad e-mail and a short password are all named in one answer."""
    login_as("admin")
    response = client.post("/admin/users/new", data=GOOD | {
        "username": "agent", "email": "x", "password": "short", "confirm": "short"})
    page = _page(response)
    assert response.status_code == 422
    for message in ("already taken", "Enter an e-mail address", "Use 8 to 256 characters."):
        assert message in page


def test_edit_roles(client, login_as, user_of, audit_events):
    """An admin replaces a user's roles; the change is audited with before and after."""
    login_as("admin")
    agent = user_of("agent")
    response = client.post(f"/admin/users/{agent.id}/roles",
                           data={"roles": ["back-office", "designer"]})
    assert response.status_code == 302
    assert user_of("agent").roles == ["back-office", "designer"]
    [event] = audit_events("user_roles_changed")
    assert event.payload == {"user": "agent", "before": ["back-office"],
                             "after": ["back-office", "designer"]}


def test_unknown_role_is_refused_and_roles_stay(client, login_as, user_of):
    """A role outside the known list answers 422 and the stored roles are unchanged."""
    login_as("admin")
    agent = user_of("agent")
    response = client.post(f"/admin/users/{agent.id}/roles", data={"roles": ["janitor"]})
    assert response.status_code == 422
    assert "not a valid choice" in _page(response)
    assert user_of("agent").roles == ["back-office"]


def test_role_change_applies_to_the_users_next_request(client, login_as, user_of, fresh_client):
    """Roles are read per request: an agent given 'designer' opens the designer at once."""
    assert log_in(fresh_client, "agent", "agent")
    assert fresh_client.get("/designer/").status_code == 403
    login_as("admin")
    client.post(f"/admin/users/{user_of('agent').id}/roles",
                data={"roles": ["back-office", "designer"]})
    assert fresh_client.get("/designer/").status_code == 200


def test_admin_cannot_remove_their_own_admin_role(client, login_as, user_of):
    """Dropping one's own admin role answers 422 with a clear message; nothing changes."""
    login_as("admin")
    me = user_of("admin")
    response = client.post(f"/admin/users/{me.id}/roles", data={"roles": ["designer"]})
    assert response.status_code == 422
    assert "You cannot remove your own admin role" in _page(response)
    assert user_of("admin").roles == ["admin"]


def test_admin_may_add_roles_to_themselves(client, login_as, user_of):
    """Keeping admin while adding another role is fine."""
    login_as("admin")
    me = user_of("admin")
    client.post(f"/admin/users/{me.id}/roles", data={"roles": ["admin", "designer"]})
    assert user_of("admin").roles == ["admin", "designer"]


def test_deactivate_ends_sessions_and_logins_then_reactivate(client, login_as, user_of,
                                                             fresh_client):
    """A deactivated agent is logged out and refused at login; reactivated, they log in again."""
    assert log_in(fresh_client, "agent", "agent")
    login_as("admin")
    agent_id = user_of("agent").id
    response = client.post(f"/admin/users/{agent_id}/deactivate")
    assert response.status_code == 302
    assert user_of("agent").active is False
    assert fresh_client.get("/").headers["Location"].startswith("/auth/login")
    assert not log_in(fresh_client, "agent", "agent")
    assert "deactivated" in _page(client.get("/admin/"))
    client.post(f"/admin/users/{agent_id}/reactivate")
    assert user_of("agent").active is True
    assert log_in(fresh_client, "agent", "agent")


def test_admin_cannot_deactivate_themselves(client, login_as, user_of):
    """Deactivating oneself answers 422 with a clear message and the admin stays active."""
    login_as("admin")
    me = user_of("admin")
    page = _page(client.get(f"/admin/users/{me.id}"))
    assert "You cannot deactivate yourself: another admin can." in page
    response = client.post(f"/admin/users/{me.id}/deactivate")
    assert response.status_code == 422
    assert "You cannot deactivate yourself" in _page(response)
    assert user_of("admin").active is True
    assert client.get("/admin/").status_code == 200


def test_change_email_is_stored_audited_and_clearable(client, login_as, user_of, audit_events):
    """An admin sets a user's escalation address, then clears it; both changes are audited."""
    login_as("admin")
    agent = user_of("agent")
    response = client.post(f"/admin/users/{agent.id}/email", data={"email": " ann@example.com "})
    assert response.status_code == 302
    assert user_of("agent").email == "ann@example.com"
    assert "E-mail of agent saved: ann@example.com." in _page(client.get(f"/admin/users/{agent.id}"))
    assert client.post(f"/admin/users/{agent.id}/email", data={"email": ""}).status_code == 302
    assert user_of("agent").email is None
    first, second = audit_events("user_email_changed")
    assert first.payload == {"user": "agent", "before": None, "after": "ann@example.com"}
    assert second.payload == {"user": "agent", "before": "ann@example.com", "after": None}


def test_bad_email_answers_422_and_keeps_the_old_address(client, login_as, user_of,
                                                          audit_events):
    """A malformed address is refused on the field, the typed text stays, nothing changes."""
    login_as("admin")
    agent = user_of("agent")
    client.post(f"/admin/users/{agent.id}/email", data={"email": "ann@example.com"})
    response = client.post(f"/admin/users/{agent.id}/email", data={"email": "ann at example"})
    assert response.status_code == 422
    assert "Enter an e-mail address such as name@example.com." in _page(response)
    assert 'value="ann at example"' in _page(response)
    assert user_of("agent").email == "ann@example.com"
    assert len(audit_events("user_email_changed")) == 1


def test_reset_password(client, login_as, user_of, fresh_client, audit_events):
    """A new password works at once, the old one no longer does, and the audit holds no password."""
    login_as("admin")
    agent = user_of("agent")
    response = client.post(f"/admin/users/{agent.id}/password",
                           data={"password": "new-agent-pass", "confirm": "new-agent-pass"})
    assert response.status_code == 302
    assert not log_in(fresh_client, "agent", "agent")
    assert log_in(fresh_client, "agent", "new-agent-pass")
    [event] = audit_events("user_password_reset")
    assert event.payload == {"user": "agent"} and event.actor == "admin"


@pytest.mark.parametrize("data, message", [
    ({"password": "short", "confirm": "short"}, "Use 8 to 256 characters."),
    ({"password": "long-enough-1", "confirm": "long-enough-2"}, "The two passwords differ."),
])
def test_bad_password_reset_is_422_and_keeps_the_old_password(client, login_as, user_of,
                                                               fresh_client, data, message):
    """A refused reset shows the message and leaves the password as it was."""
    login_as("admin")
    response = client.post(f"/admin/users/{user_of('agent').id}/password", data=data)
    assert response.status_code == 422
    assert message in _page(response)
    assert log_in(fresh_client, "agent", "agent")


def test_refused_form_leaves_the_other_forms_showing_stored_state(client, login_as, user_of):
    """After a refused password reset the roles checkboxes still show the stored roles."""
    login_as("admin")
    supervisor = user_of("supervisor")
    page = _page(client.post(f"/admin/users/{supervisor.id}/password",
                             data={"password": "x", "confirm": "x"}))
    assert 'checked id="roles-2" name="roles" type="checkbox" value="back-office"' in page
    assert 'checked id="roles-3" name="roles" type="checkbox" value="supervisor"' in page


def test_unknown_user_is_404(client, login_as, demo_users):
    """A user id that does not exist answers 404."""
    login_as("admin")
    assert client.get("/admin/users/999").status_code == 404

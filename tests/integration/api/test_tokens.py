"""POST /api/v1/token, DELETE /api/v1/token, and what makes a token valid."""
import hashlib
from datetime import timedelta

from processes.accounts.models import UserRole
from processes.accounts.services import get_user
from processes.apitokens import defaults as token_defaults
from processes.apitokens import services as token_services
from processes.apitokens.models import ApiToken

from .conftest import PREFIX, T0

TOKEN = f"{PREFIX}/token"
TASKS = f"{PREFIX}/tasks?view=queue"


def test_password_gives_a_working_token(api):
    """Right credentials answer a Bearer token valid for the token lifetime; it opens the API."""
    response = api.post(TOKEN, json={"tenant": "demo", "username": "agent", "password": "agent"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["token"].startswith(token_defaults.TOKEN_PREFIX)
    assert body["expires_at"] == (T0 + token_defaults.TOKEN_LIFETIME).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api.get(TASKS, token=body["token"]).status_code == 200


def test_only_the_tokens_hash_is_stored(api, app, db, tmp_path):
    """The database holds the token's SHA-256 and never its clear text, not even in the WAL."""
    token = api.login("agent")
    row = db.query(ApiToken).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (row.tenant, row.username, row.created_at) == ("demo", "agent", T0)
    assert row.expires_at == T0 + token_defaults.TOKEN_LIFETIME
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("parkops.db*"))
    assert row.token_hash.encode() in stored
    assert token.encode() not in stored


def test_wrong_password_and_unknown_user_get_the_same_401(api):
    """A wrong password, an unknown user and another organisation's user all get one answer."""
    attempts = [{"username": "agent", "password": "nope"},
                {"username": "nobody", "password": "nobody"},
                {"tenant": "elsewhere", "username": "agent", "password": "agent"}]
    answers = [api.post(TOKEN, json=creds) for creds in attempts]
    assert {r.status_code for r in answers} == {401}
    assert {r.get_json()["error"] for r in answers} == {"Unknown user or wrong password."}


def test_tenant_defaults_to_the_configured_organisation(api, app, add_user):
    """Without "tenant" the app's DEFAULT_TENANT (PARKOPS_TENANT) is used, as on the login page."""
    add_user("clerk", ["back-office"], tenant="rival")
    assert api.post(TOKEN, json={"username": "clerk", "password": "clerk"}).status_code == 401
    app.config["DEFAULT_TENANT"] = "rival"
    assert api.post(TOKEN, json={"username": "clerk", "password": "clerk"}).status_code == 200


def test_token_request_fields_are_checked(api):
    """Missing, empty, mistyped and unknown fields are refused with a message per field."""
    response = api.post(TOKEN, json={"username": "", "password": 7, "role": "admin"})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"username", "password", "role"}
    assert api.post(TOKEN, json={}).get_json()["fields"] == {
        "username": "This field is required.", "password": "This field is required."}


def test_token_request_must_be_json(api):
    """A form-encoded or broken body gets a JSON 400, not a page."""
    assert api.post(TOKEN, data={"username": "agent"}).status_code == 400
    response = api.post(TOKEN, data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]


def test_repeated_failures_are_throttled_per_account(api, app, clock):
    """Past the login page's per-account limit even the right password waits (429 JSON)."""
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    for _ in range(3):
        assert api.post(TOKEN, json={"username": "agent", "password": "guess"}).status_code == 401
    response = api.post(TOKEN, json={"username": "agent", "password": "agent"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_json()["error"]
    assert api.post(TOKEN, json={"username": "supervisor",
                                 "password": "supervisor"}).status_code == 200
    clock.shift(timedelta(minutes=15))
    assert api.post(TOKEN, json={"username": "agent", "password": "agent"}).status_code == 200


def test_repeated_failures_are_throttled_per_address(api, app):
    """One address failing over many user names waits; another address does not."""
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per minute"
    for username in ("admin", "designer", "agent", "supervisor"):
        api.post(TOKEN, json={"username": username, "password": "guess"})
    response = api.post(TOKEN, json={"username": "agent", "password": "agent"})
    assert response.status_code == 429
    other = api.post(TOKEN, json={"username": "agent", "password": "agent"},
                     environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_successful_logins_do_not_count(api, app):
    """Only refused credentials count: many good logins in a row all get tokens."""
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    for _ in range(6):
        assert api.post(TOKEN, json={"username": "agent", "password": "agent"}).status_code == 200


def test_token_expires(api, clock):
    """A token stops working when its lifetime is over."""
    token = api.login("agent")
    clock.shift(token_defaults.TOKEN_LIFETIME - timedelta(seconds=1))
    assert api.get(TASKS, token=token).status_code == 200
    clock.shift(timedelta(seconds=1))
    assert api.get(TASKS, token=token).status_code == 401


def test_revoked_token_stops_working(api):
    """DELETE /token revokes the token it carries; the user's other tokens keep working."""
    first, second = api.login("agent"), api.login("agent")
    assert api.delete(TOKEN, token=first).status_code == 204
    assert api.get(TASKS, token=first).status_code == 401
    assert api.get(TASKS, token=second).status_code == 200


def test_revoke_all_ends_every_token_of_one_user(api, db):
    """revoke_all (for a password reset) ends all of a user's tokens and nobody else's."""
    tokens = [api.login("agent"), api.login("agent")]
    other = api.login("supervisor")
    assert token_services.revoke_all(db, "demo", "agent") == 2
    db.commit()
    assert [api.get(TASKS, token=t).status_code for t in tokens] == [401, 401]
    assert api.get(TASKS, token=other).status_code == 200


def test_deactivated_user_token_stops_working(api, db):
    """Deactivating a user makes their tokens fail at the next call."""
    token = api.login("agent")
    get_user(db, "demo", "agent").active = False
    db.commit()
    assert api.get(TASKS, token=token).status_code == 401


def test_role_changes_apply_to_live_tokens(api, db):
    """Roles are read at every call: a role granted after the token was issued counts at once."""
    token = api.login("agent")
    assert api.get(f"{PREFIX}/tasks?view=escalated", token=token).status_code == 403
    user = get_user(db, "demo", "agent")
    user.role_rows.append(UserRole(role="supervisor"))
    db.commit()
    assert api.get(f"{PREFIX}/tasks?view=escalated", token=token).status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(api, db, clock):
    """last_used_at follows use, rewritten no more than once per minute per token."""
    token = api.login("agent")
    api.get(TASKS, token=token)
    assert db.query(ApiToken).one().last_used_at == T0
    clock.shift(timedelta(seconds=30))
    api.get(TASKS, token=token)
    db.rollback()   # a new read transaction sees the later writes
    assert db.query(ApiToken).one().last_used_at == T0
    clock.shift(timedelta(seconds=31))
    api.get(TASKS, token=token)
    db.rollback()   # a new read transaction sees the later writes
    assert db.query(ApiToken).one().last_used_at == T0 + timedelta(seconds=61)


def test_session_cookie_does_not_authenticate_the_api(api):
    """A browser logged in to the pages still gets 401 from the API without a bearer token."""
    login = api.client.post("/auth/login", data={"tenant": "demo", "username": "admin",
                                                 "password": "admin"})
    assert login.status_code == 302
    assert api.client.get("/").status_code == 200
    response = api.get(TASKS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_api_needs_no_csrf_token(api, app):
    """With CSRF on, bearer-token POSTs work: the API is exempt, cookies being worthless to it."""
    app.config["WTF_CSRF_ENABLED"] = True
    assert api.post(TOKEN, json={"username": "agent", "password": "agent"}).status_code == 200

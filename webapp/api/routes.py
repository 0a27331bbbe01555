"""Routes of the api blueprint (thin: parse input, call one action, answer JSON)."""
from flask import abort, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from engine import InvalidVariables, basket

from ..current import this_request
from ..extensions import limiter
from . import actions, auth, bp, defaults, openapi, schemas
from .auth import api_user, area
from .serializers import iso

# Every standard method, and QUERY (HEAD and OPTIONS come with GET): the fallback route
# answers them all, so a wrong one gets a JSON 405, not a routing error outside the blueprint.
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "QUERY")
TOO_MANY_FAILURES = "Too many failed attempts; wait a few minutes before trying again."


def json_body(schema):
    """The request's JSON object, checked against `schema` (400 when not JSON, 422 per field)."""
    body = this_request().get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="Send a JSON object as the body, with "
                               "Content-Type: application/json.")
    return schemas.check(body, schema)


def _token_refused(response):
    """Only refused credentials count against the login limits."""
    return response.status_code == 401


def _account_key():
    """The login limit's key per account, as the login page counts it: organisation/user."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    tenant = str(body.get("tenant") or current_app.config["DEFAULT_TENANT"])[:64]
    return f"{tenant}/{str(body.get('username', '')).strip()[:64]}"


@bp.post("/token")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], deduct_when=_token_refused,
               error_message=TOO_MANY_FAILURES)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
               deduct_when=_token_refused, error_message=TOO_MANY_FAILURES)
def issue_token():
    """Exchange a user name and password for a bearer token (failures are rate-limited)."""
    body = json_body(schemas.TOKEN_REQUEST)
    tenant = body.get("tenant") or current_app.config["DEFAULT_TENANT"]
    issued = auth.exchange_password(tenant, body["username"], body["password"])
    return jsonify(token=issued.token, token_type="Bearer", expires_at=iso(issued.expires_at))


@bp.delete("/token")
def revoke_token():
    """Revoke the token this request carries (log out)."""
    auth.revoke_current()
    return "", 204


@bp.post("/definitions")
@area("designer")
def deploy_definitions():
    """Deploy the uploaded .bpmn/.dmn file: 201 with new versions, 200 when nothing changed."""
    result, created = actions.deploy(api_user(), request.files.get("file"))
    return jsonify(result), 201 if created else 200


@bp.post("/instances")
@area("designer")
def start_instance():
    """Start an instance of the latest version of a process."""
    body = json_body(schemas.START_REQUEST)
    started = actions.start(api_user(), body["process_key"], body.get("business_key"),
                            body.get("variables"))
    location = url_for(".show_instance", instance_id=started["id"])
    return jsonify(started), 201, {"Location": location}


@bp.get("/instances/<int:instance_id>")
@area("monitor")
def show_instance(instance_id):
    """An instance: status, variables, open tasks and audit history."""
    return jsonify(actions.instance(api_user(), instance_id))


@bp.get("/tasks")
def list_tasks():
    """One page of the user's Inbox, Queue, Escalated or Done view."""
    args = this_request().args
    view, page = args.get("view", basket.View.INBOX), args.get("page", "1")
    errors = {}
    if view not in set(basket.View):
        errors["view"] = f"Choose one of: {', '.join(basket.View)}."
    if not (page.isascii() and page.isdigit() and 1 <= int(page) <= defaults.MAX_PAGE):
        errors["page"] = f"Enter a page number from 1 to {defaults.MAX_PAGE}."
    if errors:
        raise InvalidVariables(errors)
    return jsonify(actions.task_page(api_user(), basket.View(view), int(page)))


@bp.get("/tasks/<task_id>")
def show_task(task_id):
    """A task with its form."""
    return jsonify(actions.task(api_user(), task_id))


@bp.post("/tasks/<task_id>/claim")
def claim_task(task_id):
    """Claim a task from the queue."""
    return jsonify(actions.claim(api_user(), task_id))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim_task(task_id):
    """Give a claimed task back to its queue."""
    return jsonify(actions.unclaim(api_user(), task_id))


@bp.post("/tasks/<task_id>/assign")
def assign_task(task_id):
    """Hand a task to another user, or back to its queue with "user": null."""
    body = json_body(schemas.ASSIGN_REQUEST)
    return jsonify(actions.reassign(api_user(), task_id, body["user"]))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id):
    """Complete a task with its form's values."""
    body = json_body(schemas.COMPLETE_REQUEST) if this_request().content_length else {}
    return jsonify(actions.complete(api_user(), task_id, body.get("variables")))


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi.document())


@bp.route("/<path:rest>", methods=ALL_METHODS)
def fallback(rest):
    """Any other URL under /api/v1: a JSON 405 when the path exists with other methods, else 404."""
    allowed = _path_methods()
    if allowed:
        abort(405, valid_methods=allowed)
    abort(404, description=f"No API endpoint at {request.path}.")


@bp.after_request
def list_own_methods(response):
    """Automatic OPTIONS answers name the path's own methods, not all the fallback takes."""
    if this_request().method == "OPTIONS" and "Allow" in response.headers:
        allowed = _path_methods()
        response.headers["Allow"] = ", ".join(
            allowed + (["HEAD"] if "GET" in allowed else []) + ["OPTIONS"])
    return response


def _path_methods():
    """Methods that a real endpoint (not the fallback) accepts for this request's path."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ALL_METHODS:
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != "api.fallback":
            allowed.append(method)
    return allowed

"""The OpenAPI 3.1 document of the API: the operations below plus the schemas of schemas.py."""
from . import defaults, schemas

VERSION = "1.0.0"


def _content(schema_name, media="application/json"):
    return {media: {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def _error(description, schema_name="Error", **extra):
    return {"description": description, "content": _content(schema_name), **extra}


# Answers shared by many operations, published under components/responses.
SHARED_RESPONSES = {
    "BadRequest": _error("The body is not a JSON object."),
    "Unauthorized": _error(
        "No token, or a token that is unknown, expired or revoked.",
        headers={"WWW-Authenticate": {"schema": {"type": "string"},
                                      "description": 'Bearer realm="ParkOps API"'}}),
    "Forbidden": _error("The token's user lacks the role this needs."),
    "NotFound": _error("No such object in the token user's organisation."),
    "Conflict": _error("The task was claimed by somebody else or is already completed, or "
                       "the instance changed meanwhile; nothing was changed."),
    "Invalid": _error("Some fields were refused; `fields` holds a message per field.",
                      "ValidationError"),
}

TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "Task id (a UUID)."}
INSTANCE_ID = {"name": "instance_id", "in": "path", "required": True,
               "schema": {"type": "integer"}}
VIEW = {"name": "view", "in": "query", "schema": {"enum": ["inbox", "queue", "escalated", "done"],
                                                    "default": "inbox"},
        "description": "inbox: assigned to me; queue: unclaimed tasks of my roles; escalated: "
                       "past their deadline (supervisors only); done: completed by me."}
PAGE = {"name": "page", "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": defaults.MAX_PAGE, "default": 1}}


def _op(operation_id, summary, responses, tag, body=None, params=(), public=False,
        description=None):
    """One operation; every protected one may also answer 401."""
    operation = {"operationId": operation_id, "summary": summary, "tags": [tag],
                 "responses": {}}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = list(params)
    if body:
        operation["requestBody"] = {"required": True, "content": body}
    if public:
        operation["security"] = []
    else:
        responses = {**responses, "401": "Unauthorized"}
    for code, answer in sorted(responses.items()):
        if isinstance(answer, str):
            answer = {"$ref": f"#/components/responses/{answer}"}
        operation["responses"][code] = answer
    return operation


def _ok(description, schema_name):
    return {"description": description, "content": _content(schema_name)}


def _task_action(operation_id, summary, description, body=None, extra=None):
    responses = {"200": _ok("The task after the change.", "TaskDetail"), "403": "Forbidden",
                 "404": "NotFound", "409": "Conflict", **(extra or {})}
    return {"post": _op(operation_id, summary, responses, "tasks", body=body, params=[TASK_ID],
                        description=description)}


PATHS = {
    "/token": {
        "post": _op("issueToken", "Exchange a user name and password for a bearer token",
                    {"200": _ok("A new token.", "Token"), "400": "BadRequest",
                     "401": _error("Unknown user or wrong password."), "422": "Invalid",
                     "429": _error("Too many failed attempts from this address or for this "
                                   "account; wait a few minutes.")},
                    "auth", body=_content("TokenRequest"), public=True),
        "delete": _op("revokeToken", "Revoke the token this request carries",
                      {"204": {"description": "Revoked."}}, "auth"),
    },
    "/definitions": {
        "post": _op(
            "deployDefinitions", "Validate and deploy a .bpmn or .dmn file",
            {"201": _ok("New versions deployed.", "DeployResult"),
             "200": _ok("The same file was deployed before; no new version.", "DeployResult"),
             "400": _error("The file was refused; `line` locates the fault.",
                           "DefinitionRefused"),
             "403": "Forbidden", "422": "Invalid"},
            "definitions", body=_content("DefinitionUpload", "multipart/form-data"),
            description="For designers and admins."),
    },
    "/instances": {
        "post": _op(
            "startInstance", "Start an instance of the latest version of a process",
            {"201": {**_ok("Started.", "Started"),
                     "headers": {"Location": {"schema": {"type": "string"}}}},
             "400": "BadRequest", "403": "Forbidden",
             "404": _error("No process with this key is deployed."),
             "422": _error("The start form refused some values.", "ValidationError")},
            "instances", body=_content("StartRequest"), description="For designers and admins."),
    },
    "/instances/{instance_id}": {
        "get": _op("getInstance", "An instance with its variables, open tasks and history",
                   {"200": _ok("The instance.", "Instance"), "403": "Forbidden",
                    "404": "NotFound"},
                   "instances", params=[INSTANCE_ID],
                   description="For supervisors, designers and admins."),
    },
    "/tasks": {
        "get": _op("listTasks", "One page of a basket view",
                   {"200": _ok("The page; `next_page` is null on the last one.", "TaskList"),
                    "403": _error("Escalated is for supervisors."), "422": "Invalid"},
                   "tasks", params=[VIEW, PAGE]),
    },
    "/tasks/{task_id}": {
        "get": _op("getTask", "A task with its form",
                   {"200": _ok("The task.", "TaskDetail"), "403": "Forbidden",
                    "404": "NotFound"},
                   "tasks", params=[TASK_ID],
                   description="For those who may work on it, whoever completed it, and "
                               "supervisors."),
    },
    "/tasks/{task_id}/claim": _task_action(
        "claimTask", "Claim a task", "For holders of its candidate groups, its candidate users, "
        "and supervisors once it is overdue. Claiming one's own task again changes nothing."),
    "/tasks/{task_id}/unclaim": _task_action(
        "unclaimTask", "Give a claimed task back to its queue", "Only its assignee may."),
    "/tasks/{task_id}/assign": _task_action(
        "assignTask", "Hand a task to another user, or back to its queue",
        "Supervisors may reassign any open task, an assignee their own; the new assignee must "
        "be allowed to work on it.", body=_content("AssignRequest"),
        extra={"400": "BadRequest", "422": "Invalid"}),
    "/tasks/{task_id}/complete": _task_action(
        "completeTask", "Complete a task with its form's values",
        "A task completes once: a second completion answers 409.",
        body=_content("CompleteRequest"), extra={"400": "BadRequest", "422": "Invalid"}),
    "/openapi.json": {
        "get": _op("getOpenApi", "This document",
                   {"200": {"description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}}}},
                   "meta", public=True),
    },
}


TAGS = ["auth", "definitions", "instances", "tasks"]


def extend(paths, components=None, tags=()):
    """Add a process family's operations (and its schemas and tags) to the document.

    Called once at import by each domain module of the API (webapp/api/<family>.py); a path
    documented twice is a programming error.
    """
    clash = set(paths) & set(PATHS)
    if clash:
        raise ValueError(f"OpenAPI paths documented twice: {sorted(clash)}")
    PATHS.update(paths)
    schemas.COMPONENTS.update(components or {})
    TAGS.extend(tag for tag in tags if tag not in TAGS)


def document():
    """The OpenAPI 3.1 document, as a dict ready for JSON."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ParkOps API", "version": VERSION,
            "description": "Deploy processes, start instances and work the task basket. "
                           "Get a token with POST /token, then send "
                           "`Authorization: Bearer <token>`. Errors answer "
                           '`{"error": "..."}`; times are ISO 8601 in UTC.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in (*TAGS, "meta")],
        "paths": PATHS,
        "components": {
            "schemas": schemas.COMPONENTS,
            "responses": SHARED_RESPONSES,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from POST /token."}},
        },
    }

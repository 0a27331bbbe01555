"""JSON Schemas (OpenAPI 3.1 flavour) of every request and response body of the API.

The OpenAPI document publishes these; request bodies are also checked against them here, so
what the document promises and what the API accepts cannot drift apart.
"""
from engine import InvalidVariables


def _nullable(kind, **rules):
    return {"type": [kind, "null"], **rules}


STRING = {"type": "string"}
TIMESTAMP = {"type": "string", "format": "date-time",
             "description": "ISO 8601 in UTC, e.g. 2026-03-04T09:00:00Z"}
NULLABLE_TIMESTAMP = {**TIMESTAMP, "type": ["string", "null"]}
VARIABLES = {"type": "object", "additionalProperties": True,
             "description": "Process variables by name."}


def _object(required, properties, **extra):
    return {"type": "object", "required": list(required), "properties": properties, **extra}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


# -- requests -------------------------------------------------------------------------------
TOKEN_REQUEST = _object(("username", "password"), {
    "tenant": {"type": "string", "minLength": 1, "maxLength": 64,
               "description": "Organisation key; the server's default organisation when left out."},
    "username": {"type": "string", "minLength": 1, "maxLength": 64},
    "password": {"type": "string", "minLength": 1, "maxLength": 256},
}, additionalProperties=False)

START_REQUEST = _object(("process_key",), {
    "process_key": {"type": "string", "minLength": 1, "maxLength": 255},
    "business_key": _nullable("string", maxLength=255, description="e.g. OCC-0042"),
    "variables": {**VARIABLES, "description": "Values of the start form's fields."},
}, additionalProperties=False)

ASSIGN_REQUEST = _object(("user",), {
    "user": _nullable("string", minLength=1, maxLength=64,
                      description="User name of the new assignee; null gives the task back "
                                  "to its queue."),
}, additionalProperties=False)

COMPLETE_REQUEST = _object((), {
    "variables": {**VARIABLES, "description": "Values of the task form's fields."},
}, additionalProperties=False)

DEFINITION_UPLOAD = _object(("file",), {
    "file": {"type": "string", "contentMediaType": "application/octet-stream",
             "description": "A .bpmn or .dmn file."},
})

# -- responses ------------------------------------------------------------------------------
ERROR = _object(("error",), {"error": STRING})

VALIDATION_ERROR = _object(("error", "fields"), {
    "error": STRING,
    "fields": {"type": "object", "additionalProperties": STRING,
               "description": "A message per refused field."},
})

DEFINITION_REFUSED = _object(("error", "file", "line"), {
    "error": {"type": "string", "description": "FILE:LINE: what is wrong"},
    "file": STRING,
    "line": _nullable("integer"),
})

TOKEN = _object(("token", "token_type", "expires_at"), {
    "token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`."},
    "token_type": {"const": "Bearer"},
    "expires_at": TIMESTAMP,
})

DEPLOYED = _object(("key", "version", "name", "kind", "created"), {
    "key": STRING, "version": {"type": "integer"}, "name": _nullable("string"),
    "kind": {"enum": ["bpmn", "dmn"]},
    "created": {"type": "boolean", "description": "False when this exact file was deployed "
                                                  "before (no new version)."},
})

DEPLOY_RESULT = _object(("key", "version", "definitions"), {
    "key": STRING, "version": {"type": "integer"},
    "definitions": {"type": "array", "items": _ref("Deployed"),
                    "description": "Every process and decision of the file."},
})

STARTED = _object(("id", "status"), {"id": {"type": "integer"}, "status": STRING})

FORM_FIELD = _object(("id", "label", "type"), {
    "id": STRING, "label": STRING,
    "type": {"enum": ["string", "long", "boolean", "date", "enum"]},
    "options": {"type": "array", "items": _object(("id", "name"), {"id": STRING, "name": STRING})},
}, additionalProperties=True)

FORM = _object((), {"key": _nullable("string"),
                    "fields": {"type": "array", "items": _ref("FormField")}})

TASK = _object(
    ("id", "name", "process_key", "instance_id", "business_key", "status", "due", "priority",
     "assignee", "overdue"), {
        "id": STRING, "name": STRING, "process_key": STRING,
        "instance_id": {"type": "integer"}, "business_key": _nullable("string"),
        "status": {"enum": ["open", "completed", "cancelled"]},
        "due": NULLABLE_TIMESTAMP, "priority": {"type": "integer"},
        "assignee": _nullable("string"), "overdue": {"type": "boolean"},
        "candidate_groups": {"type": "array", "items": STRING},
        "candidate_users": {"type": "array", "items": STRING},
        "created_at": TIMESTAMP, "completed_at": NULLABLE_TIMESTAMP,
        "completed_by": _nullable("string"),
    })

TASK_DETAIL = {"allOf": [_ref("Task"), _object(("form",), {"form": _ref("Form")})]}

TASK_LIST_ITEM = {"allOf": [_ref("Task"), _object(("process_name", "variables"), {
    "process_name": STRING,
    "variables": {**VARIABLES, "description": "The variables the process shows in lists "
                                              "(its basketColumns)."},
})]}

TASK_LIST = _object(("view", "page", "page_size", "next_page", "tasks"), {
    "view": {"enum": ["inbox", "queue", "escalated", "done"]},
    "page": {"type": "integer", "minimum": 1},
    "page_size": {"type": "integer"},
    "next_page": _nullable("integer"),
    "tasks": {"type": "array", "items": _ref("TaskListItem")},
})

AUDIT_EVENT = _object(("id", "kind", "actor", "at", "task_id", "payload"), {
    "id": {"type": "integer"}, "kind": STRING, "actor": _nullable("string"), "at": TIMESTAMP,
    "task_id": _nullable("string"), "payload": {"type": "object"},
})

INSTANCE = _object(
    ("id", "process_key", "business_key", "status", "started_at", "ended_at", "variables",
     "open_tasks", "history"), {
        "id": {"type": "integer"}, "process_key": STRING, "business_key": _nullable("string"),
        "status": {"enum": ["running", "completed", "cancelled"]},
        "started_at": TIMESTAMP, "ended_at": NULLABLE_TIMESTAMP, "variables": VARIABLES,
        "open_tasks": {"type": "array", "items": _ref("Task")},
        "history": {"type": "array", "items": _ref("AuditEvent")},
    })

# Name -> schema, published under components/schemas.
COMPONENTS = {
    "Error": ERROR, "ValidationError": VALIDATION_ERROR, "DefinitionRefused": DEFINITION_REFUSED,
    "TokenRequest": TOKEN_REQUEST, "Token": TOKEN, "DefinitionUpload": DEFINITION_UPLOAD,
    "Deployed": DEPLOYED, "DeployResult": DEPLOY_RESULT, "StartRequest": START_REQUEST,
    "Started": STARTED, "FormField": FORM_FIELD, "Form": FORM, "Task": TASK,
    "TaskDetail": TASK_DETAIL, "TaskListItem": TASK_LIST_ITEM, "TaskList": TASK_LIST,
    "AssignRequest": ASSIGN_REQUEST, "CompleteRequest": COMPLETE_REQUEST,
    "AuditEvent": AUDIT_EVENT, "Instance": INSTANCE,
}

# -- checking request bodies ----------------------------------------------------------------
_PYTHON_TYPES = {"string": str, "object": dict, "integer": int, "boolean": bool,
                 "null": type(None)}
_TYPE_WORDS = {"string": "text", "object": "a JSON object", "integer": "a whole number",
               "boolean": "true or false", "null": "null"}


def check(body, schema):
    """Raise InvalidVariables (422) with a message per field unless `body` fits `schema`."""
    properties = schema["properties"]
    errors = {name: "This field is required." for name in schema["required"]
              if name not in body}
    for name, value in body.items():
        if name not in properties:
            if schema.get("additionalProperties", True) is False:
                errors[name] = f"Unknown field; expected {', '.join(sorted(properties))}."
            continue
        problem = _problem(value, properties[name])
        if problem:
            errors[name] = problem
    if errors:
        raise InvalidVariables(errors)
    return body


def _problem(value, rule):
    kinds = rule["type"] if isinstance(rule["type"], list) else [rule["type"]]
    if not any(_is(value, kind) for kind in kinds):
        return f"Must be {' or '.join(_TYPE_WORDS[k] for k in kinds)}."
    if isinstance(value, str):
        if len(value) < rule.get("minLength", 0):
            return "This field is required." if not value else "Too short."
        if len(value) > rule.get("maxLength", len(value)):
            return f"Must be at most {rule['maxLength']} characters."
    return None


def _is(value, kind):
    # bool is an int in Python, never in JSON.
    if kind == "integer" and isinstance(value, bool):
        return False
    return isinstance(value, _PYTHON_TYPES[kind])

"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document describing every endpoint."""
import re

from openapi_spec_validator import validate

from .conftest import PREFIX


def test_document_is_valid_openapi_31(api):
    """The served document passes openapi-spec-validator as OpenAPI 3.1."""
    response = api.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_rule_is_documented_and_every_documented_path_exists(api, app):
    """Registered /api/v1 rules and methods and the document's operations are the same set."""
    registered = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(PREFIX)), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX) and rule.endpoint != "api.fallback"
        for method in rule.methods - {"HEAD", "OPTIONS"}}
    paths = api.get(f"{PREFIX}/openapi.json").get_json()["paths"]
    documented = {(path, method) for path, operations in paths.items() for method in operations}
    assert registered == documented


def test_protected_operations_use_the_bearer_scheme(api):
    """Bearer is the default security; only the token and document operations opt out."""
    document = api.get(f"{PREFIX}/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "A token from POST /token."}
    assert document["security"] == [{"bearer": []}]
    public = {(path, method) for path, operations in document["paths"].items()
              for method, operation in operations.items() if operation.get("security") == []}
    assert public == {("/token", "post"), ("/openapi.json", "get")}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (path, method) not in public:
                assert "401" in operation["responses"], (path, method)


def test_request_bodies_and_parameters_are_described(api):
    """Each body-taking operation names its schema; ids and list options are parameters."""
    paths = api.get(f"{PREFIX}/openapi.json").get_json()["paths"]
    assert "multipart/form-data" in paths["/definitions"]["post"]["requestBody"]["content"]
    for path in ("/token", "/instances", "/tasks/{task_id}/assign", "/tasks/{task_id}/complete"):
        assert "application/json" in paths[path]["post"]["requestBody"]["content"]
    assert {p["name"] for p in paths["/tasks"]["get"]["parameters"]} == {"view", "page"}
    assert [p["name"] for p in paths["/instances/{instance_id}"]["get"]["parameters"]] == [
        "instance_id"]

"""Every API error is JSON: unknown URLs, wrong methods, broken bodies."""
from .conftest import PREFIX


def test_unknown_url_is_json_404(api):
    """A URL under /api/v1 that names no endpoint answers 404 JSON (401 first without a token)."""
    token = api.login("agent")
    response = api.get(f"{PREFIX}/no/such/thing", token)
    assert response.status_code == 404
    assert response.get_json()["error"] == f"No API endpoint at {PREFIX}/no/such/thing."
    assert api.get(f"{PREFIX}/no/such/thing").status_code == 401


def test_wrong_method_is_json_405_with_allow(api):
    """A wrong method on a real endpoint answers 405 JSON listing the allowed methods."""
    token = api.login("agent")
    response = api.call("PUT", f"{PREFIX}/tasks", token)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert "error" in response.get_json()
    assert api.get(f"{PREFIX}/token", token).headers["Allow"] == "POST, DELETE"


def test_body_that_is_not_a_json_object_is_400(api, claim_task):
    """A JSON list, or text, where an object is expected answers 400 JSON."""
    token = api.login("supervisor")
    task = claim_task()
    for kwargs in ({"json": ["agent"]}, {"data": "user=agent"}):
        response = api.post(f"{PREFIX}/tasks/{task.id}/assign", token, **kwargs)
        assert response.status_code == 400
        assert "JSON object" in response.get_json()["error"]


def test_unknown_task_id_is_404(api):
    """A task id that does not exist answers 404 JSON on every task endpoint."""
    token = api.login("supervisor")
    for suffix in ("", "/claim", "/unclaim", "/complete"):
        method = api.get if not suffix else api.post
        response = method(f"{PREFIX}/tasks/00000000-0000-0000-0000-000000000000{suffix}", token)
        assert response.status_code == 404, suffix
        assert "not found" in response.get_json()["error"]


def test_any_standard_method_gets_json_and_options_lists_the_real_ones(api):
    """TRACE and QUERY on an endpoint answer JSON 405; OPTIONS names only the path's methods."""
    token = api.login("agent")
    for method in ("TRACE", "QUERY"):
        response = api.call(method, f"{PREFIX}/instances", token)
        assert (response.status_code, response.headers["Allow"]) == (405, "POST")
        assert "error" in response.get_json()
    options = api.client.options(f"{PREFIX}/tasks",
                                 headers={"Authorization": f"Bearer {token}"})
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS"

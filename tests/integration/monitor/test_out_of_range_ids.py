"""Ids in monitor URLs and forms too large for the database: 404 and ignored, never a 500."""
import pytest

from webapp.monitor.forms import RetryForm

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("method, path", [
    ("get", f"/monitor/instances/{HUGE}"),
    ("get", f"/monitor/instances/{HUGE}/diagram"),
    ("post", f"/monitor/instances/{HUGE}/variables"),
    ("get", f"/monitor/instances/{HUGE}/cancel"),
    ("post", f"/monitor/incidents/{HUGE}/retry"),
])
def test_an_id_past_the_database_range_is_not_found(client, login_as, app, method, path):
    """The supervisor asking for instance or incident 10^23 gets a 404."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login_as("supervisor")
    assert getattr(client, method)(path, data={"variables": "{}"}).status_code == 404


@pytest.mark.parametrize("back, expected", [("12", 12), ("", None), ("²", None),
                                            ("9" * 5000, None), ("-3", None)])
def test_retry_returns_only_to_a_plain_instance_number(app, back, expected):
    """A Unicode or oversized `back` falls back to the incident list instead of crashing."""
    with app.test_request_context(method="POST", data={"back": back}):
        assert RetryForm().back_instance() == expected

"""The rate limiter checks only routes that carry a limit, yet never skips a configured limit.

The app's limits sit on the login routes; RouteLimiter spares every other request the
before-request pass of Flask-Limiter. These tiny apps configure each kind of app-wide limit
that pass applies, and check it still stops the request past the limit.
"""
from flask import Blueprint, Flask

from webapp.ratelimit import RouteLimiter


def tiny_app(limiter, blueprint_limit=None):
    """An app with /plain, /limited (1 per minute on the route) and /area/page (a blueprint)."""
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"

    @app.get("/plain")
    def plain():
        return "plain"

    @app.get("/limited")
    @limiter.limit("1 per minute")
    def limited():
        return "limited"

    area = Blueprint("area", __name__, url_prefix="/area")

    @area.get("/page")
    def page():
        return "page"

    if blueprint_limit:
        limiter.limit(blueprint_limit)(area)
    app.register_blueprint(area)
    limiter.init_app(app)
    return app


def statuses(app, *paths):
    client = app.test_client()
    return [client.get(path).status_code for path in paths]


def one_client():
    return "one-client"


def test_a_limit_on_a_route_applies_there_only():
    """Without app-wide limits, the limited route stops the second call; others never stop."""
    app = tiny_app(RouteLimiter(key_func=one_client))
    assert statuses(app, "/limited", "/limited") == [200, 429]
    assert statuses(app, *["/plain"] * 5, *["/area/page"] * 5) == [200] * 10


def test_a_default_limit_applies_to_every_route_without_its_own():
    app = tiny_app(RouteLimiter(key_func=one_client, default_limits=["2 per minute"]))
    assert statuses(app, "/plain", "/plain", "/plain") == [200, 200, 429]
    assert statuses(app, "/area/page", "/area/page", "/area/page") == [200, 200, 429]


def test_an_application_limit_counts_every_request_together():
    app = tiny_app(RouteLimiter(key_func=one_client, application_limits=["3 per minute"]))
    assert statuses(app, "/plain", "/area/page", "/plain", "/area/page") == [200, 200, 200, 429]


def test_a_limit_on_a_blueprint_applies_to_its_routes():
    app = tiny_app(RouteLimiter(key_func=one_client), blueprint_limit="2 per minute")
    assert statuses(app, "/area/page", "/area/page", "/area/page") == [200, 200, 429]
    assert statuses(app, *["/plain"] * 4) == [200] * 4


def test_the_apps_limiter_has_no_app_wide_limit_to_check(app):
    """The app's own limits are all on routes (logins, token, public season form), so ordinary
    requests skip the limiter's per-request pass."""
    from webapp.extensions import limiter

    with app.test_request_context("/api/v1/tasks"):
        assert not limiter.has_app_wide_limits("api.list_tasks")

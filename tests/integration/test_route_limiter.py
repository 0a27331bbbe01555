"""The rate limiter checks only routes that carry a limit, yet never skips a configured limit.

The app's limits sit on the login routes; RouteLimiter spares every other request the
before-request pass of Flask-Limiter. These tiny apps configure each kind of app-wide limit
that pass applies, and check it still stops the request past the limit.
"""
from flask import Blueprint, Flask, g

from webapp.ratelimit import RouteLimiter


def tiny_app(limiter, blueprint_limit=None, headers=False):
    """An app with /plain, /limited (1 per minute on the route), /guarded (1 failure per minute)
    and /area/page (a blueprint)."""
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    app.config["RATELIMIT_HEADERS_ENABLED"] = headers

    @app.get("/plain")
    def plain():
        return "plain"

    @app.get("/limited")
    @limiter.limit("1 per minute")
    def limited():
        return "limited"

    @app.get("/guarded/<int:status>")
    @limiter.limit("1 per minute", deduct_when=lambda response: response.status_code >= 400)
    def guarded(status):
        return "guarded", status

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


def test_rate_limit_headers_come_with_limited_routes_only():
    """With headers enabled, a limited route's answer says its limit; other answers carry none."""
    app = tiny_app(RouteLimiter(key_func=one_client), headers=True)
    client = app.test_client()
    limited = client.get("/limited")
    assert (limited.headers["X-RateLimit-Limit"], limited.headers["X-RateLimit-Remaining"]) \
        == ("1", "0")
    assert "X-RateLimit-Limit" not in client.get("/plain").headers
    assert "X-RateLimit-Limit" not in client.get("/area/page").headers


def test_a_limit_with_deduct_when_counts_only_the_answers_it_names():
    """Successes pass as often as they come; the first refused answer uses the 1 per minute."""
    app = tiny_app(RouteLimiter(key_func=one_client))
    assert statuses(app, *["/guarded/200"] * 3, "/guarded/403", "/guarded/200") \
        == [200, 200, 200, 403, 429]


def test_requests_without_a_limit_leave_the_limiter_untouched():
    """A route without a limit never creates the limiter's per-request state (nor its
    after-request work); a limited route does."""
    limiter = RouteLimiter(key_func=one_client)
    app = tiny_app(limiter)
    with app.test_client() as client:
        client.get("/plain")
        assert limiter not in g.get("limiters_used", ())
        client.get("/limited")
        assert limiter in g.limiters_used

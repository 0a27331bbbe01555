"""What the role x route matrix tests compare against: the API rules the app registers."""
import re

from .conftest import PREFIX


def registered_rules(app, segments=None):
    """{(METHOD, "/path/{}")} of every /api/v1 rule, optionally only under `segments`
    (first path segments such as "bookings"); the JSON 404/405 fallback is left out."""
    rules = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", "{}", rule.rule.removeprefix(PREFIX)))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX) and rule.endpoint != "api.fallback"
        for method in rule.methods - {"HEAD", "OPTIONS"}}
    if segments is None:
        return rules
    return {(method, path) for method, path in rules if path.split("/")[1] in segments}

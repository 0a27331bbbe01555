"""The web app's JSON goes through the codec (webapp.jsonprovider) and answers as Flask's own
provider did: same dates, same key order, same layout, same media type."""

import json
import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from flask import jsonify, render_template_string, request
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup
from sqlalchemy import text

from webapp.api.openapi import document
from webapp.jsonprovider import CodecJSONProvider

BPMN = Path(__file__).resolve().parents[1] / "data" / "bpmn"


@dataclass
class Slot:
    bay: str
    level: int


# ASCII answers Flask's provider writes: the codec's answer must be the very same bytes.
ANSWERS = {
    "nested, keys sorted": {"b": 1, "a": {"z": [1, 2, None, True], "y": "text"}, "c": []},
    "datetime": {"at": datetime(2026, 3, 2, 9, 0, 5, tzinfo=timezone.utc)},
    "naive datetime and date": [datetime(2026, 3, 2, 9, 0), date(2026, 3, 2)],
    "uuid and decimal": {"id": uuid.UUID(int=42), "amount": Decimal("12.50")},
    "dataclass": {"slot": Slot("B-4", 2)},
    "markup": {"html": Markup("<b>bay</b>")},
    "big int": {"n": 2**70},
}


@pytest.mark.parametrize("value", ANSWERS.values(), ids=ANSWERS.keys())
@pytest.mark.parametrize("debug", [False, True], ids=["compact", "debug"])
def test_answers_are_byte_for_byte_what_flask_wrote(app, value, debug):
    """jsonify's text (http dates, sorted keys, compact or indented in debug) is unchanged."""
    app.debug = debug
    with app.app_context():
        ours = CodecJSONProvider(app).response(value)
        flasks = DefaultJSONProvider(app).response(value)
    assert ours.get_data() == flasks.get_data()
    assert ours.mimetype == flasks.mimetype == "application/json"


def test_the_app_answers_through_the_codec(app):
    """create_app installs the provider: jsonify writes UTF-8 text and NaN as null."""
    assert isinstance(app.json, CodecJSONProvider)
    with app.test_request_context():
        answer = jsonify(name="Zoë", ratio=math.nan, at=datetime(2026, 3, 2, 9, 0))
    assert answer.get_data() == (b'{"at":"Mon, 02 Mar 2026 09:00:00 GMT","name":"Zo\xc3\xab",'
                                 b'"ratio":null}\n')
    assert answer.content_type == "application/json"


def test_request_bodies_are_read_by_the_codec(app):
    """A request's JSON keeps big integers exact and still accepts NaN, as json.loads did."""
    body = '{"n": 123456789012345678901234567890, "r": NaN, "s": "Zo\\u00eb"}'
    with app.test_request_context("/", method="POST", data=body,
                                  content_type="application/json"):
        value = request.get_json()
    assert value["n"] == 123456789012345678901234567890 and value["s"] == "Zoë"
    assert math.isnan(value["r"])


def test_tojson_in_templates_stays_html_safe(app):
    """The |tojson filter still escapes what could end a <script> or an attribute."""
    with app.test_request_context():
        rendered = render_template_string("{{ v|tojson }}", v={"a": "</script>&'"})
    assert "</script>" not in rendered and "&'" not in rendered
    assert json.loads(str(Markup(rendered).unescape())) == {"a": "</script>&'"}


def test_arguments_the_codec_has_no_match_for_go_to_the_json_module(app):
    """dumps(indent=4, ...) still works, written by the json module."""
    with app.app_context():
        text = app.json.dumps({"b": 1, "a": 2}, indent=4)
    assert text == json.dumps({"a": 2, "b": 1}, indent=4, sort_keys=True)


def test_the_openapi_document_answers_as_before(client):
    """A real API answer: the document, keys sorted as Flask's provider sorted them."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    text = response.get_data(as_text=True)
    assert json.loads(text) == json.loads(json.dumps(document()))
    assert text == json.dumps(document(), sort_keys=True, ensure_ascii=False,
                              separators=(",", ":")) + "\n"


def test_the_apps_database_keeps_json_columns_with_the_codec(app, eng):
    """The web app's engine (Flask-SQLAlchemy's) stores JSON columns as the codec writes them:
    UTF-8 text, null for Infinity, big integers read back exactly."""
    eng.deploy((BPMN / "script_overflow.bpmn").read_bytes(), "script_overflow.bpmn", "demo",
               actor="designer")
    iid = eng.start("script_overflow", "APP-1", {"name": "Zoë"}, "demo")
    with eng.reading() as session:
        stored = session.execute(text("SELECT variables FROM engine_instance WHERE id = :id"),
                                 {"id": iid}).scalar()
    assert '"name":"Zoë"' in stored and '"x":null' in stored
    big = eng.start("script_overflow", "APP-2", {"n": 2**70 + 1}, "demo")
    assert eng.instance(big).variables["n"] == 2**70 + 1

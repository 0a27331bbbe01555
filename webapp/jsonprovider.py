"""The web app's JSON (jsonify, request.get_json, the |tojson filter) through engine.jsontext.

Flask's own behaviour stays: dates and datetimes as HTTP dates, UUIDs and Decimals as text,
dataclasses as objects, Markup by its `__html__`, keys sorted (answers keep the order they
always had), indented answers in debug mode or with `compact = False`, application/json.
What changes: non-ASCII text is sent as UTF-8 instead of \\u escapes (the same JSON), no
spaces after separators, and NaN/Infinity become null (Flask wrote the invalid `NaN`).
"""

from flask.json.provider import DefaultJSONProvider

from engine import jsontext

# json.dumps spacing the codec may ignore: it writes compact text, or indented with indent=2.
_SPACINGS = (None, (",", ":"), (", ", ": "), (",", ": "))
_CODEC_ARGS = {"default", "sort_keys", "ensure_ascii", "indent", "separators"}


class CodecJSONProvider(DefaultJSONProvider):
    """Flask's DefaultJSONProvider written and read by the ParkOps codec."""

    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        """`obj` as JSON text; json.dumps arguments the codec has no match for (cls, skipkeys,
        other indents...) are served by Flask's json module provider."""
        if not self._codec_serves(kwargs):
            kwargs.setdefault("ensure_ascii", self.ensure_ascii)
            return super().dumps(obj, **kwargs)
        return jsontext.dumps(obj, kwargs.get("default", self.default),
                              sort_keys=kwargs.get("sort_keys", self.sort_keys),
                              indent=kwargs.get("indent") is not None)

    def loads(self, s, **kwargs):
        """The value of JSON text or UTF-8 bytes (json.loads arguments go to the json module)."""
        if kwargs:
            return super().loads(s, **kwargs)
        return jsontext.loads(s)

    def _codec_serves(self, kwargs):
        return (kwargs.keys() <= _CODEC_ARGS
                and not kwargs.get("ensure_ascii", self.ensure_ascii)
                and kwargs.get("indent") in (None, 2)
                and kwargs.get("separators") in _SPACINGS)

"""Custom fields of an occurrence type: their kinds, and how a submitted value is checked.

Values come from HTML forms (text, "y"/"on" for checkboxes, lists for multiselects) or JSON
(typed); both are cleaned to what is stored in Occurrence.values:
text -> str, number -> int or float, date -> "YYYY-MM-DD", boolean -> bool,
select -> one of the options, multiselect -> a list of options in the options' order.
An empty optional field is stored as None (multiselect: []).
"""
import math
import re
from datetime import date

from . import defaults
from .errors import Msg, _

TEXT, NUMBER, DATE, BOOLEAN, SELECT, MULTISELECT = (
    "text", "number", "date", "boolean", "select", "multiselect")
KINDS = (TEXT, NUMBER, DATE, BOOLEAN, SELECT, MULTISELECT)
WITH_OPTIONS = (SELECT, MULTISELECT)
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TRUE = {True, "true", "True", "y", "yes", "on", "1", 1}
_FALSE = {False, "false", "False", "n", "no", "off", "0", 0, "", None}


def check_values(fields, submitted, partial=False):
    """(cleaned values by key, errors by key) of `submitted` for a type's `fields`.

    Keys not among the fields are refused. With `partial`, only submitted keys are checked
    (an edit of some fields); otherwise every field is (a new occurrence).
    """
    by_key = {f.key: f for f in fields}
    errors = {key: Msg(_("This type of occurrence has no field '%(key)s'."), key=key)
              for key in submitted if key not in by_key}
    values = {}
    for field in fields:
        if partial and field.key not in submitted:
            continue
        value, error = clean_value(field, submitted.get(field.key))
        if error:
            errors[field.key] = error
        else:
            values[field.key] = value
    return values, errors


def clean_value(field, raw):
    """(stored value, None) for an acceptable `raw`, else (None, Msg saying what is wrong)."""
    if field.kind == BOOLEAN:
        return _boolean(raw)
    if field.kind == MULTISELECT:
        return _multiselect(field, raw)
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in (None, ""):
        return (None, Msg(_("This field is required."))) if field.required else (None, None)
    return _CLEANERS[field.kind](field, raw)


def _text(field, raw):
    if not isinstance(raw, str):
        return None, Msg(_("Enter text."))
    if len(raw) > defaults.MAX_TEXT_FIELD_CHARS:
        return None, Msg(_("Keep this under %(limit)d characters."),
                         limit=defaults.MAX_TEXT_FIELD_CHARS)
    return raw, None


def _number(field, raw):
    if isinstance(raw, bool):
        return None, Msg(_("Enter a number, such as 12 or 3.5."))
    if isinstance(raw, str):
        try:
            raw = float(raw.replace(",", ".")) if re.search(r"[.,eE]", raw) else int(raw)
        except ValueError:
            return None, Msg(_("Enter a number, such as 12 or 3.5."))
    if not isinstance(raw, (int, float)) or (isinstance(raw, float) and not math.isfinite(raw)):
        return None, Msg(_("Enter a number, such as 12 or 3.5."))
    if abs(raw) > 10 ** 12:
        return None, Msg(_("This number is too large."))
    return raw, None


def _date(field, raw):
    try:
        return date.fromisoformat(str(raw)).isoformat(), None
    except ValueError:
        return None, Msg(_("Enter a date as YYYY-MM-DD."))


def _select(field, raw):
    if raw not in field.options:
        return None, Msg(_("Choose one of: %(options)s."), options=", ".join(field.options))
    return raw, None


def _boolean(raw):
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in _TRUE:
        return True, None
    if raw in _FALSE:
        return False, None
    return None, Msg(_("Answer yes or no."))


def _multiselect(field, raw):
    if raw in (None, ""):
        chosen = []
    elif isinstance(raw, str):
        chosen = [raw]
    elif isinstance(raw, (list, tuple)) and all(isinstance(v, str) for v in raw):
        chosen = list(raw)
    else:
        return None, Msg(_("Choose from the list."))
    unknown = [v for v in chosen if v not in field.options]
    if unknown:
        return None, Msg(_("Not an option: %(values)s. Choose from: %(options)s."),
                         values=", ".join(unknown), options=", ".join(field.options))
    if field.required and not chosen:
        return None, Msg(_("Choose at least one."))
    return [o for o in field.options if o in chosen], None


_CLEANERS = {TEXT: _text, NUMBER: _number, DATE: _date, SELECT: _select}


def shown(field, value):
    """A stored value as text for lists and the activity log."""
    if value is None or value == []:
        return ""
    if field is not None and field.kind == BOOLEAN:
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)

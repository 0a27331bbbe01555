"""Task and start forms from `camunda:formData`, and validation of submitted values.

A form is plain data: {"key": formKey, "fields": [{id, label, type, required, ...}]}, stored
on the task projection so the basket renders it without loading the workflow.
"""

from datetime import date, datetime

from .camunda import CAMUNDA_NS
from .errors import InvalidVariables

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
_C = f"{{{CAMUNDA_NS}}}"


def read_form(node):
    """Read the Camunda form declared on a userTask or startEvent element (may be empty)."""
    fields = [_read_field(f) for f in node.iterfind(f".//{_C}formData/{_C}formField")]
    key = node.get(f"{_C}formKey")
    return {"key": key, "fields": fields} if (key or fields) else {}


def _read_field(node):
    field = {"id": node.get("id"), "label": node.get("label") or node.get("id"),
             "type": node.get("type") or "string", "default": node.get("defaultValue")}
    for constraint in node.iterfind(f"{_C}validation/{_C}constraint"):
        name, config = constraint.get("name"), constraint.get("config")
        field[name] = True if config is None else config
    options = [{"id": v.get("id"), "name": v.get("name") or v.get("id")}
               for v in node.iterfind(f"{_C}value")]
    if options:
        field["options"] = options
    return field


def field_problems(field, line_hint=None):
    """Deploy-time check of one field declaration; returns a message or None."""
    if not field.get("id"):
        return "form field without an id"
    if field["type"] not in FIELD_TYPES:
        return (f"form field '{field['id']}' has type '{field['type']}'; "
                f"supported: {', '.join(FIELD_TYPES)}")
    if field["type"] == "enum" and not field.get("options"):
        return f"enum form field '{field['id']}' declares no values"
    return None


def validate(form, values):
    """Coerce submitted values to the form's field types; raise InvalidVariables per field."""
    values = dict(values or {})
    errors, cleaned = {}, {}
    for field in (form or {}).get("fields", []):
        if field.get("readonly"):
            continue
        fid = field["id"]
        try:
            value = _coerce(field, values.get(fid))
            _check_bounds(field, value)
        except ValueError as exc:
            errors[fid] = str(exc)
            continue
        if value is not None or fid in values:
            cleaned[fid] = value
    if errors:
        raise InvalidVariables(errors)
    if not form:
        # No declared form: the caller's variables are the contract.
        return values
    return cleaned


def _blank(raw):
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _coerce(field, raw):
    if _blank(raw) and field.get("default") is not None:
        raw = field["default"]
    if _blank(raw):
        if field.get("required"):
            raise ValueError("This field is required.")
        return None
    kind = field["type"]
    if kind == "long":
        return _to_int(raw)
    if kind == "boolean":
        return _to_bool(raw)
    if kind == "date":
        return _to_date(raw)
    if kind == "enum":
        allowed = [o["id"] for o in field.get("options", [])]
        if str(raw) not in allowed:
            raise ValueError(f"Choose one of: {', '.join(allowed)}.")
        return str(raw)
    return str(raw)


def _to_int(raw):
    if isinstance(raw, bool):
        raise ValueError("Enter a whole number.")
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValueError("Enter a whole number.") from None


def _to_bool(raw):
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on", "y"):
        return True
    if text in ("false", "0", "no", "off", "n"):
        return False
    raise ValueError("Enter yes or no.")


def _to_date(raw):
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    try:
        return date.fromisoformat(str(raw).strip()[:10]).isoformat()
    except ValueError:
        raise ValueError("Enter a date as YYYY-MM-DD.") from None


def _check_bounds(field, value):
    if value is None:
        return
    if field["type"] == "long":
        if "min" in field and value < int(field["min"]):
            raise ValueError(f"Must be at least {field['min']}.")
        if "max" in field and value > int(field["max"]):
            raise ValueError(f"Must be at most {field['max']}.")
    if field["type"] == "string":
        if "minlength" in field and len(value) < int(field["minlength"]):
            raise ValueError(f"Must be at least {field['minlength']} characters.")
        if "maxlength" in field and len(value) > int(field["maxlength"]):
            raise ValueError(f"Must be at most {field['maxlength']} characters.")
    if field["type"] == "date":
        if "min" in field and value < field["min"]:
            raise ValueError(f"Must be on or after {field['min']}.")
        if "max" in field and value > field["max"]:
            raise ValueError(f"Must be on or before {field['max']}.")

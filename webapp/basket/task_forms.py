"""Forms of the task page: the task's own form, built from its camunda:formData, and the actions.

The task form is for rendering and browser hints (required, min/max, lengths): the engine's
forms.validate() is the one judge of submitted values, through eng.complete().
"""
from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectChoice, SelectField,
                     StringField, TextAreaField)

from processes.worknotes import defaults

# Field ids come from BPMN and could shadow FlaskForm attributes ("data", "meta"...).
FIELD_PREFIX = "field_"
YES_NO = [SelectChoice("true", "Yes"), SelectChoice("false", "No")]


def build_task_form(form_def, prefill, formdata=None):
    """A form holding one input per declared field; `formdata` re-shows a refused submission."""
    fields = (form_def or {}).get("fields", [])
    attrs = {FIELD_PREFIX + f["id"]: _field(f) for f in fields}
    form_class = type("TaskForm", (FlaskForm,), attrs)
    data = {FIELD_PREFIX + f["id"]: _initial(f, prefill.get(f["id"])) for f in fields}
    # formdata=None (not left out): FlaskForm would otherwise read another form's POST.
    form = form_class(formdata=formdata, data=data)
    for spec in fields:
        if spec.get("readonly"):
            # Shown from the case, whatever a re-shown POST carried (disabled inputs send nothing).
            field = form[FIELD_PREFIX + spec["id"]]
            field.process(None, data[field.name])
            field.raw_data = None
    return form


def submitted_values(form_def, formdata):
    """The values a POST carries for the task's editable fields, as the engine expects them."""
    values = {}
    for spec in (form_def or {}).get("fields", []):
        if spec.get("readonly"):
            continue
        name = FIELD_PREFIX + spec["id"]
        if _is_checkbox(spec):
            values[spec["id"]] = name in formdata     # an unticked box sends nothing: "no"
        elif name in formdata:
            values[spec["id"]] = formdata.get(name)
    return values


def apply_errors(form, errors):
    """Put per-field messages on the form (task or action form); returns those of unknown fields."""
    unplaced = []
    for field_id, message in errors.items():
        field = form._fields.get(FIELD_PREFIX + field_id) or form._fields.get(field_id)
        if field is None:
            unplaced.append(f"{field_id}: {message}")
        else:
            field.errors = [message]
    return unplaced


def _is_checkbox(spec):
    # A required yes/no must be answered, so it gets two radio buttons and no preselection;
    # an optional one is a single checkbox.
    return spec["type"] == "boolean" and not spec.get("required")


def _field(spec):
    kind, label = spec["type"], spec.get("label") or spec["id"]
    hints = _html_hints(spec)
    description = _description(spec)
    if kind == "long":
        return IntegerField(label, render_kw=dict(hints, step=1), description=description)
    if kind == "date":
        return DateField(label, render_kw=hints, description=description)
    if kind == "enum":
        choices = [SelectChoice("", "Choose…")] + [SelectChoice(o["id"], o["name"])
                                                    for o in spec.get("options", [])]
        return SelectField(label, choices=choices, render_kw=hints, validate_choice=False)
    if kind == "boolean":
        if _is_checkbox(spec):
            return BooleanField(label, render_kw=hints, false_values=(False, "false", ""))
        return RadioField(label, choices=YES_NO, render_kw=hints, validate_choice=False)
    return StringField(label, render_kw=hints, description=description)


def _html_hints(spec):
    hints = {}
    if spec.get("required"):
        hints["required"] = True
    for name in ("min", "max", "minlength", "maxlength"):
        if spec.get(name) not in (None, True):
            hints[name] = spec[name]
    if spec.get("readonly"):
        # readonly keeps a text input focusable and readable; boxes and lists need disabled.
        hints["disabled" if spec["type"] in ("boolean", "enum") else "readonly"] = True
    return hints


def _description(spec):
    low, high = spec.get("min"), spec.get("max")
    shortest, longest = spec.get("minlength"), spec.get("maxlength")
    if low is not None and high is not None:
        return f"From {low} to {high}."
    if low is not None or high is not None:
        return f"At least {low}." if low is not None else f"At most {high}."
    if shortest is not None and longest is not None:
        return f"{shortest} to {longest} characters."
    if shortest is not None or longest is not None:
        return (f"At least {shortest} characters." if shortest is not None
                else f"Up to {longest} characters.")
    return ""


def _initial(spec, value):
    """A prefill value in the type the WTForms field renders."""
    if value in (None, ""):
        return None
    kind = spec["type"]
    try:
        if kind == "long":
            return int(value)
        if kind == "date":
            return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    if kind == "boolean":
        truth = value is True or str(value).strip().lower() in ("true", "1", "yes", "on")
        return truth if _is_checkbox(spec) else ("true" if truth else "false")
    return str(value)


class ActionForm(FlaskForm):
    """Claim and Unclaim: no fields, only the CSRF token."""


class ReassignForm(FlaskForm):
    """Hand the task to a colleague, or back to the queue (empty choice)."""

    user = SelectField("Hand to", choices=[], validate_choice=False)


class CommentForm(FlaskForm):
    """A comment on the case."""

    body = TextAreaField("Comment", render_kw={"rows": 3, "maxlength": defaults.MAX_COMMENT_CHARS})


class AttachmentForm(FlaskForm):
    """A photo, document or video for the case."""

    file = FileField("File", render_kw={"accept": ",".join(
        list(defaults.ALLOWED_TYPES) + [e for exts in defaults.ALLOWED_TYPES.values()
                                        for e in exts])})

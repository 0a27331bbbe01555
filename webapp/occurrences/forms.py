"""Form input of the occurrence pages. The fields of a type are dynamic, so values are read
from request.form by name (f<type id>_<key> when reporting, f_<key> when editing); CsrfForm
carries the CSRF token of every form."""
from flask_wtf import FlaskForm

from processes.occurrences import attachments, fields
from processes.occurrences.errors import Msg, OccurrenceRefused, _

from . import display


class CsrfForm(FlaskForm):
    """No fields of its own: the CSRF token of a hand-written form."""


def report_data(form, chosen):
    """What the report form says, for services.report()."""
    return {"type_id": form.get("type_id"), "description": form.get("description"),
            "site_id": form.get("site_id") or None, "booking_id": form.get("booking_id") or None,
            "values": field_values(form, chosen, f"f{chosen.id}_") if chosen else {}}


def field_values(form, kind, prefix):
    """{key: submitted value} of a type's custom fields (unchecked boxes are False)."""
    return {field.key: _value(form, f"{prefix}{field.key}", field) for field in kind.fields}


def _value(form, name, field):
    if field.kind == fields.MULTISELECT:
        return form.getlist(name)
    if field.kind == fields.BOOLEAN:
        return form.get(name) not in (None, "", "n", "false")
    return form.get(name, "")


def read_uploads(files):
    """Checked uploads of a multi-file input (empty inputs ignored)."""
    chosen = [f for f in files if f and f.filename]
    if len(chosen) > attachments.defaults.MAX_ATTACHMENTS_PER_UPLOAD:
        raise OccurrenceRefused({"files": Msg(_("Attach at most %(limit)d files at once."),
                                              limit=attachments.defaults
                                              .MAX_ATTACHMENTS_PER_UPLOAD)})
    return [attachments.check_upload(f.stream, f.filename, max_bytes=display.max_bytes())
            for f in chosen]

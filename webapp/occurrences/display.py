"""Helpers of the occurrence pages: translated domain messages, local times, activity lines."""
from flask import current_app
from flask_babel import gettext

from processes.occurrences import activity
from processes.occurrences.errors import _  # marks the sentences below for extraction
from processes.worknotes import defaults as worknote_defaults


def tr(message):
    """A domain message (processes.occurrences.errors.Msg) in the reader's language."""
    template = getattr(message, "template", None)
    if template is None:
        return gettext(str(message)) if message else message
    return gettext(template, **message.params) if message.params else gettext(template)


def translated_name(text):
    """A name people typed (type, status, field label, option) in the reader's language when
    the catalogue knows it. Plain text, so the page escapes it: Jinja's own _() marks its
    result safe and reads it as a %-format, which is right for our sentences only."""
    return gettext(str(text)) if text else ""


def translated(errors):
    """{field: message} with every message translated."""
    return {key: tr(value) for key, value in (errors or {}).items()}


def local(moment, zone):
    """A stored UTC time in the organisation's time zone, as 2026-03-02 10:00."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def upload_folder():
    """The app's upload folder (instance/uploads unless configured)."""
    configured = current_app.config.get("UPLOAD_FOLDER")
    return configured or f"{current_app.instance_path}/{worknote_defaults.UPLOAD_SUBDIR}"


def activity_line(row):
    """One activity row as a sentence in the reader's language."""
    values = {"actor": row.actor, "field": gettext(row.field) if row.field else "",
              "old": _shown(row.old), "new": _shown(row.new), "note": row.note or ""}
    template = LINES.get(row.kind)
    if row.kind == activity.ASSIGNED and not row.new:
        return gettext("%(actor)s removed the assignee %(old)s", **values)
    return gettext(template, **values) if template else f"{row.actor}: {row.kind}"


def _shown(value):
    return gettext(value) if value else "—"


LINES = {
    activity.CREATED: _("%(actor)s reported it (status %(new)s)"),
    activity.STATUS_CHANGED: _("%(actor)s changed the status from %(old)s to %(new)s"),
    activity.REOPENED: _("%(actor)s reopened it (%(old)s → %(new)s). Reason: %(note)s"),
    activity.FIELD_CHANGED: _("%(actor)s changed %(field)s from “%(old)s” to “%(new)s”"),
    activity.ASSIGNED: _("%(actor)s assigned it to %(new)s"),
    activity.COMMENTED: _("%(actor)s commented"),
    activity.ATTACHMENT_ADDED: _("%(actor)s attached %(new)s"),
    activity.ESCALATED: _("The deadline passed: escalated to the %(new)s role"),
    activity.ASSIGN_REFUSED: _("%(actor)s named %(new)s, who is not an active staff member; "
                               "left unassigned"),
}


def max_bytes():
    """The size cap of one attachment (ATTACHMENT_MAX_BYTES, as the task page uses)."""
    return current_app.config.get("ATTACHMENT_MAX_BYTES") or worknote_defaults.MAX_ATTACHMENT_BYTES

"""The rules of occurrences as plain functions: deadlines, overdue, read-only, reopening."""
from datetime import timedelta

from . import defaults
from .errors import Msg, OccurrenceEnded, OccurrenceRefused, ReopenRefused, _


def deadline_of(created_at, sla_hours):
    """The resolution deadline: creation time plus the type's SLA."""
    return created_at + timedelta(hours=sla_hours)


def is_overdue(deadline_at, ended, now):
    """An open occurrence is overdue from its deadline on (half-open: due at 09:00 is overdue
    at 09:00:00); an ended one never is."""
    return not ended and now >= deadline_at


def is_read_only(status):
    """Every field of an occurrence in an ended status is read-only."""
    return bool(status.ended)


def check_editable(occurrence):
    """Refuse an edit of an ended occurrence's fields (OccurrenceEnded, 409)."""
    if is_read_only(occurrence.status):
        raise OccurrenceEnded(occurrence.reference, occurrence.status.name)


def is_reopening(old_status, new_status):
    """Going from an ended status back to an open one reopens the occurrence."""
    return bool(old_status.ended) and not new_status.ended


def may_reopen(roles):
    """Supervisors and admins may reopen an ended occurrence."""
    return bool(set(roles) & set(defaults.REOPEN_ROLES))


def check_reopen(roles, reason):
    """Refuse a reopening without the role (403) or without a reason (422); the clean reason."""
    if not may_reopen(roles):
        raise ReopenRefused()
    text = (reason or "").strip()
    if not text:
        raise OccurrenceRefused({"reason": Msg(_("Say why the occurrence is reopened."))})
    if len(text) > defaults.MAX_REASON_CHARS:
        raise OccurrenceRefused({"reason": Msg(_("Keep the reason under %(limit)d characters."),
                                               limit=defaults.MAX_REASON_CHARS)})
    return text


def check_status_change(old_status, new_status, roles, reason):
    """The reason to record for a status change, or a refusal; None when no reason is needed."""
    if is_reopening(old_status, new_status):
        return check_reopen(roles, reason)
    text = (reason or "").strip()
    if len(text) > defaults.MAX_REASON_CHARS:
        raise OccurrenceRefused({"reason": Msg(_("Keep the reason under %(limit)d characters."),
                                               limit=defaults.MAX_REASON_CHARS)})
    return text or None


def is_staff(roles):
    """Back-office, supervisors and admins work on occurrences."""
    return bool(set(roles) & set(defaults.STAFF_ROLES))


def check_description(text):
    """The clean description, or a refusal."""
    text = (text or "").strip()
    if not text:
        return None, Msg(_("Describe what happened."))
    if len(text) > defaults.MAX_DESCRIPTION_CHARS:
        return None, Msg(_("Keep the description under %(limit)d characters."),
                         limit=defaults.MAX_DESCRIPTION_CHARS)
    return text, None

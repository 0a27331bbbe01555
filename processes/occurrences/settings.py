"""Per-tenant settings of occurrences: types with their SLA and custom fields, statuses with
their colour, "ended" flag, order and process milestone. Every change is checked first and
refused as a whole (OccurrenceRefused with a message per field)."""
import re

from sqlalchemy import select

from . import catalogue, defaults, fields
from .errors import Msg, OccurrenceNotFound, OccurrenceRefused, _
from .models import OccurrenceField, OccurrenceStatus, OccurrenceType

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def save_type(session, tenant, name, sla_hours, active=True, type_id=None):
    """Create (type_id None) or update a type; returns it."""
    errors = {}
    name = _name(name, "name", errors)
    sla = _whole(sla_hours, "sla_hours", 1, defaults.MAX_SLA_HOURS, errors)
    kind = catalogue.get_type(session, tenant, type_id) if type_id is not None else None
    clash = session.scalar(select(OccurrenceType).where(OccurrenceType.tenant == tenant,
                                                        OccurrenceType.name == name))
    if name and clash is not None and clash is not kind:
        errors["name"] = Msg(_("There is already a type called %(name)s."), name=name)
    if errors:
        raise OccurrenceRefused(errors)
    if kind is None:
        position = len(catalogue.types(session, tenant))
        kind = OccurrenceType(tenant=tenant, name=name, sla_hours=sla, active=bool(active),
                              position=position)
        session.add(kind)
    else:
        kind.name, kind.sla_hours, kind.active = name, sla, bool(active)
    session.flush()
    return kind


def save_field(session, tenant, type_id, key, label, kind, options=(), required=False,
               field_id=None):
    """Add a custom field to a type (field_id None) or update one; returns it."""
    owner = catalogue.get_type(session, tenant, type_id)
    existing = _field_of(owner, field_id) if field_id is not None else None
    errors = {}
    key = (key or "").strip().lower()
    if existing is None and not fields.KEY_PATTERN.match(key):
        errors["key"] = Msg(_("Use lower-case letters, digits and _, starting with a letter "
                              "(e.g. damage_type)."))
    elif existing is None and any(f.key == key for f in owner.fields):
        errors["key"] = Msg(_("This type already has a field %(key)s."), key=key)
    label = _name(label, "label", errors)
    if kind not in fields.KINDS:
        errors["kind"] = Msg(_("Choose one of: %(kinds)s."), kinds=", ".join(fields.KINDS))
    cleaned = _options(options, kind, errors)
    if errors:
        raise OccurrenceRefused(errors)
    if existing is None:
        existing = OccurrenceField(key=key, position=len(owner.fields))
        owner.fields.append(existing)
    existing.label, existing.kind = label, kind
    existing.options, existing.required = cleaned, bool(required)
    session.flush()
    return existing


def remove_field(session, tenant, type_id, field_id):
    """Remove a custom field from a type (values already recorded stay in the occurrences)."""
    owner = catalogue.get_type(session, tenant, type_id)
    owner.fields.remove(_field_of(owner, field_id))
    session.flush()


def _field_of(owner, field_id):
    found = next((f for f in owner.fields if f.id == field_id), None)
    if found is None:
        raise OccurrenceNotFound(f"field {field_id} not found")
    return found


def save_status(session, tenant, name, colour, ended=False, position=None, milestone=None,
                status_id=None):
    """Create (status_id None) or update a status; a milestone belongs to one status only."""
    errors = {}
    name = _name(name, "name", errors)
    colour = (colour or "").strip()
    if not COLOUR.match(colour):
        errors["colour"] = Msg(_("Pick a colour like #1d4ed8."))
    milestone = milestone or None
    if milestone is not None and milestone not in catalogue.MILESTONES:
        errors["milestone"] = Msg(_("Choose a step of the process."))
    order = _whole(position, "position", 0, 1000, errors) if position not in (None, "") else None
    status = catalogue.get_status(session, tenant, status_id) if status_id is not None else None
    siblings = catalogue.statuses(session, tenant)
    if name and any(s.name == name and s is not status for s in siblings):
        errors["name"] = Msg(_("There is already a status called %(name)s."), name=name)
    if errors:
        raise OccurrenceRefused(errors)
    if status is None:
        status = OccurrenceStatus(tenant=tenant, position=len(siblings))
        session.add(status)
    for other in siblings:
        if milestone is not None and other is not status and other.milestone == milestone:
            other.milestone = None
    status.name, status.colour, status.ended, status.milestone = name, colour, bool(ended), \
        milestone
    if order is not None:
        status.position = order
    session.flush()
    return status


def _name(value, key, errors):
    text = (value or "").strip()
    if not text:
        errors[key] = Msg(_("This field is required."))
    elif len(text) > defaults.MAX_NAME_CHARS:
        errors[key] = Msg(_("Keep this under %(limit)d characters."),
                          limit=defaults.MAX_NAME_CHARS)
    return text


def _whole(value, key, low, high, errors):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        errors[key] = Msg(_("Enter a whole number from %(low)d to %(high)d."), low=low,
                          high=high)
    return number


def _options(options, kind, errors):
    if isinstance(options, str):
        options = options.splitlines() if "\n" in options else options.split(",")
    cleaned = []
    for option in options or ():
        text = str(option).strip()
        if text and text not in cleaned:
            cleaned.append(text[:defaults.MAX_OPTION_CHARS])
    if kind in fields.WITH_OPTIONS and not cleaned:
        errors["options"] = Msg(_("List the options, one per line."))
    if len(cleaned) > defaults.MAX_OPTIONS:
        errors["options"] = Msg(_("At most %(limit)d options."), limit=defaults.MAX_OPTIONS)
    return cleaned if kind in fields.WITH_OPTIONS else []

"""A tenant's penalty settings: read (defaults when never saved), checked, saved and audited."""
from datetime import time

from engine import InvalidVariables, audit, clock

from . import defaults
from .models import PenaltySettings
from .notices import DEFAULT_TEMPLATES, PLACEHOLDERS, unknown_placeholders
from .rules import PenaltyRules, check_window

NUMBERS = {
    # field: (minimum, maximum, label)
    "cancel_limit_hours": (0, defaults.MAX_CANCEL_LIMIT_HOURS, "hours"),
    "max_minor_infractions": (0, defaults.MAX_MINOR_LIMIT, "infractions"),
    "check_in_grace_minutes": (0, defaults.MAX_GRACE_MINUTES, "minutes"),
    "block_days": (1, defaults.MAX_BLOCK_DAYS, "days"),
}
TIMES = ("free_window_start", "free_window_end")
TEMPLATES = ("minor_subject", "minor_body", "major_subject", "major_body")
FIELDS = (*NUMBERS, *TIMES, *TEMPLATES)


class SettingsRefused(InvalidVariables):
    """Some settings were refused; `errors` maps each field to a message (422)."""


def load(session, tenant):
    """The tenant's settings row, or an unsaved one holding the defaults."""
    found = session.get(PenaltySettings, tenant)
    return found if found is not None else default_settings(tenant)


def default_settings(tenant):
    """A PenaltySettings row (not added to any session) with every default."""
    return PenaltySettings(
        tenant=tenant, cancel_limit_hours=defaults.CANCEL_LIMIT_HOURS,
        free_window_start=defaults.FREE_WINDOW_START, free_window_end=defaults.FREE_WINDOW_END,
        max_minor_infractions=defaults.MAX_MINOR_INFRACTIONS,
        check_in_grace_minutes=defaults.CHECK_IN_GRACE_MINUTES, block_days=defaults.BLOCK_DAYS,
        **DEFAULT_TEMPLATES)


def rules_of(settings):
    """The PenaltyRules a settings row stands for."""
    return PenaltyRules(
        cancel_limit_hours=settings.cancel_limit_hours,
        free_window_start=settings.free_window_start, free_window_end=settings.free_window_end,
        max_minor_infractions=settings.max_minor_infractions,
        check_in_grace_minutes=settings.check_in_grace_minutes, block_days=settings.block_days)


def as_dict(settings):
    """The settings as plain values (times as 'HH:MM')."""
    values = {name: getattr(settings, name) for name in FIELDS}
    for name in TIMES:
        values[name] = values[name].strftime("%H:%M")
    return values


def update(session, tenant, changes, actor):
    """Check and save `changes` (any subset of FIELDS); audited with old and new values.

    Raises SettingsRefused with a message per refused field; nothing is saved then.
    """
    current = load(session, tenant)
    values = {**as_dict(current), **changes}
    parsed, errors = _parse(values, set(changes))
    if errors:
        raise SettingsRefused(errors)
    before = as_dict(current)
    for name, value in parsed.items():
        setattr(current, name, value)
    current.updated_at, current.updated_by = clock.now(), actor
    if current not in session:
        session.add(current)
    session.flush()
    after = as_dict(current)
    changed = {name: {"from": before[name], "to": after[name]}
               for name in FIELDS if before[name] != after[name]}
    audit.record(session, tenant, "penalty_settings_changed", actor=actor, changes=changed)
    return current


def _parse(values, submitted):
    parsed, errors = {}, {}
    unknown = sorted(submitted - set(FIELDS))
    for name in unknown:
        errors[name] = f"Unknown setting; expected one of {', '.join(FIELDS)}."
    for name, (low, high, unit) in NUMBERS.items():
        value = values.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[name] = f"Enter a whole number of {unit} from {low} to {high}."
        else:
            parsed[name] = value
    for name in TIMES:
        moment = _time(values.get(name))
        if moment is None:
            errors[name] = "Enter a time of day as HH:MM, e.g. 07:00."
        else:
            parsed[name] = moment
    if not errors.keys() & set(TIMES):
        problem = check_window(parsed["free_window_start"], parsed["free_window_end"])
        if problem:
            errors["free_window_end"] = problem
    for name in TEMPLATES:
        problem = _template_problem(name, values.get(name))
        if problem:
            errors[name] = problem
        else:
            parsed[name] = values[name].strip() if name.endswith("subject") else values[name]
    return parsed, errors


def _time(value):
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        return None
    try:
        hours, minutes = value.strip().split(":")
        if len(minutes) != 2:
            return None
        return time(int(hours), int(minutes))
    except ValueError:
        return None


def _template_problem(name, text):
    limit = defaults.MAX_SUBJECT_CHARS if name.endswith("subject") else defaults.MAX_BODY_CHARS
    if not isinstance(text, str) or not text.strip():
        return "Write the e-mail's " + ("subject." if name.endswith("subject") else "text.")
    if len(text) > limit:
        return f"Keep it under {limit} characters."
    unknown = unknown_placeholders(text)
    if unknown:
        return (f"Unknown placeholder {{{unknown[0]}}}; use "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS) + ".")
    return None

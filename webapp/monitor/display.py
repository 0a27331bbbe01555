"""How the designer, monitor and admin pages show time: the tenant's zone and relative words.

Times are stored in UTC; people read them in their tenant's zone ("2026-03-02 10:00") and as
distances from now, worded exactly as in the basket (processes.timewords).
"""
from datetime import datetime, time, timedelta, timezone

from flask import current_app, g
from flask_login import current_user

from engine import clock
from processes import timewords
from processes.accounts.services import get_tenant

from ..extensions import db

_ZONE_KEY = "parkops_tenant_zone"


def tenant_zone():
    """The current user's tenant time zone, read once per request."""
    zone = g.get(_ZONE_KEY)
    if zone is None:
        tenant = get_tenant(db.session, current_user.tenant)
        fallback = current_app.config["TIMEZONE"]
        # A misspelt zone must not take every page down: the app's zone stands in.
        zone = timewords.zone(tenant.timezone if tenant is not None else fallback, fallback)
        setattr(g, _ZONE_KEY, zone)
    return zone


def local_time(moment, fmt="%Y-%m-%d %H:%M"):
    """An aware UTC datetime as text in the tenant's zone; empty for None."""
    if moment is None:
        return ""
    return moment.astimezone(tenant_zone()).strftime(fmt)


def day_start(day):
    """The UTC instant at which local `day` starts in the tenant's zone."""
    return datetime.combine(day, time.min, tzinfo=tenant_zone()).astimezone(timezone.utc)


def day_end(day):
    """The UTC instant at which local `day` ends (the next local day's start; exclusive)."""
    return day_start(day + timedelta(days=1))


def relative(moment, now=None):
    """'in 3 h' for the future, '2 d ago' (or 'just now') for the past; empty for None."""
    if moment is None:
        return ""
    return timewords.relative(moment, now or clock.now())


def due(moment, now=None):
    """'in 3 h' before a deadline, '2 d overdue' after it; empty for None."""
    return "" if moment is None else timewords.relative_due(moment, now or clock.now())


def install(blueprint):
    """Make these helpers available to the templates of `blueprint`."""
    blueprint.context_processor(lambda: {
        "local_time": local_time, "relative": relative, "due": due,
    })

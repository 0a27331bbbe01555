"""Waking the waitlist: telling waitlisted applications that a season place is free.

Each application's onboarding waits under its own number for "season-place-freed" (or its
daily re-check). The nightly housekeeping, a refusal and a termination call these functions.
"""
from engine import StaleInstance, clock

from . import defaults, rules
from .places import place_available, sites_with_waitlist, waitlist


def wake_waitlist(eng, session, tenant, site_id):
    """Tell the site's waitlisted applications that may now take a place (queue order kept)
    that one is free; how many were told.

    `session` must see the latest commit. Without this call the applications still find the
    place at their daily re-check.
    """
    told = 0
    for waiting in waitlist(session, tenant, site_id, defaults.WAKE_BATCH):
        today = rules.site_today(waiting.site.timezone, clock.now())
        if not place_available(session, waiting, today):
            break
        told += _tell(eng, waiting.number, tenant)
    return told


def wake_waitlists(eng, session, tenant, site_ids=None):
    """wake_waitlist for these sites (default: every site with a waitlist); how many told."""
    if site_ids is None:
        site_ids = sites_with_waitlist(session, tenant)
    return sum(wake_waitlist(eng, session, tenant, site_id) for site_id in site_ids)


def _tell(eng, number, tenant):
    """Deliver season-place-freed to one application; a concurrent write is tried again."""
    for attempt in range(1, defaults.WAKE_ATTEMPTS + 1):
        try:
            return eng.correlate_message(defaults.PLACE_FREED_MESSAGE, number, tenant=tenant)
        except StaleInstance:
            if attempt == defaults.WAKE_ATTEMPTS:
                raise
    return 0

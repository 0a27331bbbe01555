"""The nightly season-parking housekeeping: library/season_housekeeping.bpmn and its handlers.

One instance per tenant and night (business key "season-housekeeping-YYYY-MM-DD") waits on
its timer start event until HOUSEKEEPING_AT in the tenant's time zone (`run_at`), then
1. schedules the next night's instance (first, so a failing step below never breaks the chain),
2. ends the contracts whose last day has passed (site time),
3. revokes access the day after paid.access_until (and re-dates the other credentials),
4. tells the waitlisted applications that may take a free place (queue order kept).
Every step is safe to run twice: the next instance is looked up by business key first.
`ensure_scheduled` starts the chain (demo seeder, every new application). `offer_place` is
the onboarding's step after a refusal: the place it let go goes to the waitlist at once.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine import Engine, InstanceStatus, NotFound, ProcessInstance, clock
from engine.db import writer
from processes.accounts.models import Tenant

from . import defaults
from .contracts import end_due_contracts, revoke_lapsed_access
from .models import Application
from .waitlist import wake_waitlist, wake_waitlists

NAMES = ("season_schedule_housekeeping", "season_end_due_contracts", "season_revoke_access",
         "season_wake_waitlist", "season_offer_place")
ACTOR = "season-housekeeping"
DEFAULT_ZONE = "Europe/Brussels"
LIVE = (InstanceStatus.RUNNING, InstanceStatus.COMPLETED)


def run_time(day, zone_name, at=defaults.HOUSEKEEPING_AT):
    """The UTC instant of local `day`'s housekeeping (`at` in the zone, DST-safe)."""
    local = datetime.combine(day, time.fromisoformat(at), tzinfo=ZoneInfo(zone_name))
    return local.astimezone(timezone.utc)


def next_night(zone_name, now, at=defaults.HOUSEKEEPING_AT):
    """The local day of the first housekeeping strictly after `now`."""
    today = now.astimezone(ZoneInfo(zone_name)).date()
    return today if run_time(today, zone_name, at) > now else today + timedelta(days=1)


def business_key(day):
    """The business key of `day`'s housekeeping."""
    return f"{defaults.HOUSEKEEPING_KEY_PREFIX}{day.isoformat()}"


def tenant_zone(session, tenant):
    """The tenant's IANA zone (the default for a tenant without a row)."""
    return session.scalar(select(Tenant.timezone).where(Tenant.key == tenant)) or DEFAULT_ZONE


def schedule_night(eng, tenant, day):
    """Start `day`'s instance (waiting until its run time) unless it exists; its id or None.

    None as well while season_housekeeping is not deployed in the tenant.
    """
    key = business_key(day)
    with eng.reading() as session:
        if session.scalar(select(ProcessInstance.id).where(
                ProcessInstance.tenant == tenant,
                ProcessInstance.process_key == defaults.HOUSEKEEPING_PROCESS,
                ProcessInstance.business_key == key,
                ProcessInstance.status.in_([str(s) for s in LIVE])).limit(1)):
            return None
        zone = tenant_zone(session, tenant)
    variables = {"night": day.isoformat(), "run_at": run_time(day, zone).isoformat()}
    try:
        return eng.start(defaults.HOUSEKEEPING_PROCESS, key, variables, tenant=tenant,
                         actor=ACTOR)
    except NotFound:
        return None


def ensure_scheduled(eng, tenant):
    """Make sure the tenant's next night is waiting; the id of an instance started, or None."""
    with eng.reading() as session:
        zone = tenant_zone(session, tenant)
    return schedule_night(eng, tenant, next_night(zone, clock.now()))


def register(registry, session_factory):
    """Add the housekeeping handlers to `registry`."""
    handlers = HousekeepingHandlers(session_factory, registry)
    for name in NAMES:
        registry.add(name, getattr(handlers, name.removeprefix("season_")))


class HousekeepingHandlers:
    """Each handler works on the call's tenant in its own transactions; safe to run twice."""

    def __init__(self, session_factory, registry):
        self._read = session_factory
        self._write = sessionmaker(bind=writer(session_factory.kw["bind"]),
                                   expire_on_commit=False)
        self._registry = registry
        self._engine = None

    def engine(self):
        """An engine on the same database and registry (handlers get none), built on first
        use, when the registry is complete. It starts the next night and, since each
        application waits under its own number, delivers the waitlist's messages."""
        if self._engine is None:
            self._engine = Engine(self._read.kw["bind"], services=self._registry)
        return self._engine

    def schedule_housekeeping(self, call):
        """The next night's instance waits (first: a failing step below keeps the chain)."""
        night = date.fromisoformat(call.variables["night"])
        with self._read() as session:
            zone = tenant_zone(session, call.tenant)
        following = max(night + timedelta(days=1), next_night(zone, clock.now()))
        schedule_night(self.engine(), call.tenant, following)
        return {"next_night": following.isoformat()}

    def end_due_contracts(self, call):
        """Contracts whose last day has passed are terminated; the sites where places freed."""
        with self._write() as session:
            freed = end_due_contracts(session, call.tenant)
            session.commit()
        return {"freed_site_ids": sorted(freed)}

    def revoke_access(self, call):
        """Credentials of ended or unpaid contracts are revoked; the others re-dated."""
        with self._write() as session:
            revoked = revoke_lapsed_access(session, call.tenant)
            session.commit()
        return {"credentials_revoked": revoked}

    def wake_waitlist(self, call):
        """Every waitlisted application that may take a free place (queue order) is told."""
        with self._read() as session:
            told = wake_waitlists(self.engine(), session, call.tenant)
        return {"applications_woken": told}

    def offer_place(self, call):
        """After a refusal (onboarding): the application's site's waitlist is told at once."""
        with self._read() as session:
            found = session.get(Application, int(call.variables["application_id"]))
            if found is None or found.tenant != call.tenant:
                raise LookupError(f"application {call.variables['application_id']} not found")
            told = wake_waitlist(self.engine(), session, call.tenant, found.site_id)
        return {"applications_woken": told}

"""Season places at a site: how many exist, how many are taken, who waits for one."""
from sqlalchemy import func, or_, select

from . import rules
from .models import Application, Contract
from .status import HOLDING_PLACE, ApplicationStatus


def occupied_places(session, tenant, site_id, today):
    """Contracts in force (or about to be) plus applications that already hold a place."""
    contracts = session.scalar(select(func.count()).select_from(Contract).where(
        Contract.tenant == tenant, Contract.site_id == site_id,
        Contract.status.in_([str(s) for s in HOLDING_PLACE]),
        or_(Contract.ends_on.is_(None), Contract.ends_on >= today)))
    holding = session.scalar(select(func.count()).select_from(Application).where(
        Application.tenant == tenant, Application.site_id == site_id,
        Application.holds_place.is_(True), Application.contract_id.is_(None)))
    return contracts + holding


def waiting_ahead(session, application):
    """Waitlisted applications of the same site that queued before this one."""
    query = select(func.count()).select_from(Application).where(
        Application.tenant == application.tenant, Application.site_id == application.site_id,
        Application.status == ApplicationStatus.WAITLISTED, Application.id != application.id)
    if application.waitlisted_at is not None:
        query = query.where(or_(
            Application.waitlisted_at < application.waitlisted_at,
            (Application.waitlisted_at == application.waitlisted_at)
            & (Application.id < application.id)))
    return session.scalar(query)


def place_available(session, application, today):
    """True when `application` may take a season place at its site now (queue order kept)."""
    site = application.site
    return rules.may_take_place(rules.season_places(site.capacity),
                                occupied_places(session, application.tenant, site.id, today),
                                waiting_ahead(session, application))


def waitlist(session, tenant, site_id, limit):
    """The site's waitlisted applications in queue order (at most `limit`)."""
    return list(session.scalars(select(Application).where(
        Application.tenant == tenant, Application.site_id == site_id,
        Application.status == ApplicationStatus.WAITLISTED)
        .order_by(Application.waitlisted_at, Application.id).limit(limit)))


def sites_with_waitlist(session, tenant):
    """Ids of the tenant's sites where at least one application waits for a place."""
    return sorted(session.scalars(select(Application.site_id).distinct().where(
        Application.tenant == tenant, Application.status == ApplicationStatus.WAITLISTED)))

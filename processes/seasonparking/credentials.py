"""Access credentials of a contract, issued and re-dated through the access-control interface.

Their last valid day is always `rules.access_valid_to(paid.access_until(...))` (the one rule).
"""
from sqlalchemy import bindparam, select, update

from processes.access import Grant, LocalAccessControl
from processes.access.models import AccessCredential
from processes.bookings.models import Site

from . import rules
from .models import Contract, ContractVehicle
from .paid import access_until, access_until_of
from .status import ContractStatus


def grant_access(session, contract):
    """Whitelist the contract's plates from its first day to the day before revocation."""
    valid_to = rules.access_valid_to(access_until(session, contract))
    grants = [Grant("plate", cv.vehicle.plate) for cv in contract.vehicles]
    LocalAccessControl(session).whitelist(contract.tenant, contract.site_id, contract.number,
                                          grants, contract.starts_on, valid_to)


def sync_access(session, contract):
    """Credentials valid up to the day before the revocation day (access_until)."""
    valid_to = rules.access_valid_to(access_until(session, contract))
    LocalAccessControl(session).set_valid_to(contract.tenant, contract.number, valid_to)


def redate_access(session, tenant, contract_ids):
    """Bulk re-dating after invoices were issued or paid (the monthly run): every current
    credential of the tenant's ACTIVE contracts among `contract_ids` runs to access_until; an
    active contract with plates but no current credential (revoked after its previous cover)
    is whitelisted again one by one. A few statements per batch, not one per contract.
    How many contracts' credentials were re-dated."""
    if not contract_ids:
        return 0
    contracts = session.execute(select(
        Contract.id, Contract.number, Contract.status, Contract.ends_on, Site.timezone)
        .join(Site, Site.id == Contract.site_id).where(
            Contract.tenant == tenant, Contract.id.in_(list(contract_ids)),
            Contract.status == ContractStatus.ACTIVE)).all()
    if not contracts:
        return 0
    table = AccessCredential.__table__
    current = set(session.scalars(select(table.c.reference).where(
        table.c.tenant == tenant, table.c.revoked_at.is_(None),
        table.c.reference.in_([c.number for c in contracts]))))
    with_plates = set(session.scalars(select(ContractVehicle.contract_id).where(
        ContractVehicle.contract_id.in_([c.id for c in contracts if c.number not in current]),
        ContractVehicle.removed_on.is_(None))))
    for contract_id in sorted(with_plates):
        grant_access(session, session.get(Contract, contract_id))
    until = access_until_of(session, [c for c in contracts if c.number in current])
    rows = [dict(t_reference=c.number, t_valid_to=rules.access_valid_to(until[c.id]))
            for c in contracts if c.number in current]
    if rows:
        session.execute(update(table).where(
            table.c.tenant == tenant, table.c.reference == bindparam("t_reference"),
            table.c.revoked_at.is_(None)).values(valid_to=bindparam("t_valid_to")), rows)
    return len(rows) + len(with_plates)

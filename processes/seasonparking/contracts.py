"""Changes to a running contract: vehicles, renewal, termination, end of term, access sync.

Each function changes the session's rows (the caller commits) and keeps the access
credentials in step through credentials.grant_access / sync_access (paid.access_until).
"""
from sqlalchemy import exists, select

from engine import audit, clock
from processes.access import AccessCredential, LocalAccessControl
from processes.bookings.models import Customer

from . import defaults, rules
from .applications import check_vehicles
from .errors import ContractConflict, InvalidInput, NotInTenant
from .credentials import grant_access, sync_access
from .customers import vehicle_of
from .models import Contract, ContractVehicle
from .paid import access_until
from .status import HOLDING_PLACE, ContractStatus

CHANGEABLE = (ContractStatus.PENDING, ContractStatus.ACTIVE, ContractStatus.SUSPENDED)


def get_contract(session, tenant, contract_id):
    """The tenant's contract, or NotInTenant."""
    contract = session.get(Contract, contract_id)
    if contract is None or contract.tenant != tenant:
        raise NotInTenant(f"contract {contract_id} not found")
    return contract


def list_contracts(session, tenant, status=None, limit=defaults.PAGE_SIZE, offset=0):
    """The tenant's contracts, newest first, optionally of one status."""
    query = select(Contract).where(Contract.tenant == tenant)
    if status:
        query = query.where(Contract.status == status)
    return list(session.scalars(query.order_by(Contract.id.desc()).limit(limit).offset(offset)))


def today_at(contract):
    """Today in the contract's site time zone."""
    return rules.site_today(contract.site.timezone, clock.now())


def change_vehicles(session, contract, vehicles, may_exceed_product=False):
    """Replace the contract's vehicles (1-3 plates); the access whitelist follows at once.

    More plates than the product allows needs a supervisor (`may_exceed_product`).
    Returns the plate warnings (unknown formats are accepted).
    """
    _check_changeable(contract)
    errors = {}
    checked = check_vehicles(vehicles, contract.site.country, errors)
    if not errors and len(checked) > contract.product.max_vehicles and not may_exceed_product:
        errors["vehicles"] = (f"The product allows {contract.product.max_vehicles} vehicle(s); "
                              "a supervisor may allow more.")
    if errors:
        raise InvalidInput(errors)
    today = today_at(contract)
    wanted = {v["plate"]: v for v in checked}
    for link in contract.vehicles:
        if link.vehicle.plate not in wanted:
            link.removed_on = today
        else:
            wanted.pop(link.vehicle.plate)
    customer = session.get(Customer, contract.customer_id)
    for plate, value in wanted.items():
        vehicle = vehicle_of(session, customer, plate, value["country"])
        session.add(ContractVehicle(contract_id=contract.id, vehicle_id=vehicle.id,
                                    added_on=today))
    session.flush()
    session.expire(contract, ["vehicles"])
    grant_access(session, contract)
    return [v["warning"] for v in checked if v["warning"]]


def renew(session, contract, months=defaults.RENEWAL_MONTHS):
    """Extend a fixed-term contract by `months`; access is extended with it."""
    _check_changeable(contract)
    if contract.ends_on is None:
        raise ContractConflict("This contract rolls on monthly; it needs no renewal.")
    if contract.notice_given_on is not None:
        raise ContractConflict("Notice was given on this contract; it cannot be renewed.")
    if months not in defaults.TERMS or not months:
        raise InvalidInput({"months": "Choose a renewal term."})
    contract.ends_on = rules.renewed_end(contract.ends_on, months)
    sync_access(session, contract)
    return contract.ends_on


def terminate(session, contract, requested_end=None, notice_given_on=None):
    """Give notice: the contract ends at the end of the month after the notice period."""
    _check_changeable(contract)
    if contract.notice_given_on is not None:
        raise ContractConflict(f"Notice was already given on {contract.notice_given_on}; "
                               f"the contract ends on {contract.ends_on}.")
    given = notice_given_on or today_at(contract)
    if requested_end is not None and requested_end < given:
        raise InvalidInput({"requested_end": "The requested last day has passed."})
    contract.ends_on = rules.termination_date(given, defaults.NOTICE_DAYS, requested_end,
                                              contract.ends_on)
    contract.notice_given_on = given
    sync_access(session, contract)
    return contract.ends_on


def end_due_contracts(session, tenant, now=None):
    """Contracts whose last day has passed (site time) become terminated; their site ids."""
    now = now or clock.now()
    freed = set()
    rows = session.scalars(select(Contract).where(
        Contract.tenant == tenant, Contract.status.in_([str(s) for s in HOLDING_PLACE]),
        Contract.ends_on.is_not(None)))
    for contract in rows:
        if contract.ends_on < rules.site_today(contract.site.timezone, now):
            contract.status = ContractStatus.TERMINATED
            sync_access(session, contract)
            freed.add(contract.site_id)
    session.flush()
    return freed


def revoke_lapsed_access(session, tenant, now=None):
    """Revoke the credentials of contracts that ended or whose revocation day (the day after
    paid.access_until, site time) has come; re-date the others. How many were revoked."""
    now = now or clock.now()
    revoked = 0
    access = LocalAccessControl(session)
    for contract in session.scalars(select(Contract).where(
            Contract.tenant == tenant, exists().where(
                AccessCredential.tenant == tenant, AccessCredential.reference == Contract.number,
                AccessCredential.revoked_at.is_(None)))):
        revocation = rules.revocation_day(access_until(session, contract, now))
        if (contract.status not in HOLDING_PLACE
                or (revocation is not None
                    and revocation <= rules.site_today(contract.site.timezone, now))):
            revoked += access.revoke(tenant, contract.number)
        else:
            sync_access(session, contract)
    session.flush()
    return revoked


def plates(contract):
    """The plates parking under the contract now."""
    return [link.vehicle.plate for link in contract.vehicles]


def _check_changeable(contract):
    if contract.status not in CHANGEABLE:
        raise ContractConflict(f"Contract {contract.number} is {contract.status}; "
                               "it can no longer be changed.")


def suspend_contract(session, contract, actor, reason):
    """Suspend an active contract (dunning decided so): its access credentials are revoked
    through the access-control interface, and the change is audited. False when it was not
    active (already suspended, ended...), True when suspended now."""
    if contract.status != ContractStatus.ACTIVE:
        return False
    contract.status = ContractStatus.SUSPENDED
    LocalAccessControl(session).revoke(contract.tenant, contract.number)
    audit.record(session, contract.tenant, "contract_suspended", actor=actor,
                 contract=contract.number, reason=reason)
    return True


def reinstate_contract(session, contract, actor, reason):
    """Make a suspended contract active again (its debt was paid): the plates are whitelisted
    anew up to the paid-up day, audited. False when it was not suspended or has ended."""
    if contract.status != ContractStatus.SUSPENDED or (
            contract.ends_on is not None and contract.ends_on < today_at(contract)):
        return False
    contract.status = ContractStatus.ACTIVE
    grant_access(session, contract)
    audit.record(session, contract.tenant, "contract_reinstated", actor=actor,
                 contract=contract.number, reason=reason)
    return True

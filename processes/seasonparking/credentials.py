"""Access credentials of a contract, issued and re-dated through the access-control interface."""
from processes.access import Grant, LocalAccessControl

from . import rules
from .paid import last_paid_day


def grant_access(session, contract):
    """Whitelist the contract's plates from its first day to the day before revocation."""
    valid_to = rules.access_valid_to(last_paid_day(session, contract))
    grants = [Grant("plate", cv.vehicle.plate) for cv in contract.vehicles]
    LocalAccessControl(session).whitelist(contract.tenant, contract.site_id, contract.number,
                                          grants, contract.starts_on, valid_to)


def sync_access(session, contract):
    """Credentials valid up to the day before the revocation day of the last paid day."""
    valid_to = rules.access_valid_to(last_paid_day(session, contract))
    LocalAccessControl(session).set_valid_to(contract.tenant, contract.number, valid_to)

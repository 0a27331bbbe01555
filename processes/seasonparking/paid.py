"""The one place that says up to which day a contract is paid, and up to which day it may park.

Invoicing owns the facts (processes.invoicing.cover: paid periods, periods still in their
payment term, the first overdue one); this module applies them to the contract:

- `access_until`: the last day (site time) the contract's credentials are valid.
  * ACTIVE contract: the end of the last period that is paid OR still within its payment term
    (an invoice issued on the 1st with a 14-day term covers its month until it is overdue);
    once an invoice is past due and unpaid, access ends the day after the last period before
    it that is paid or in term — dunning (reminder, final notice, suspension) goes on.
  * any other status (pending, suspended, terminated, cancelled): the paid-up day only — the
    issue's rule "access revoked the day after the last paid period". A suspended contract has
    no credential anyway (suspend_contract revokes at once; reinstatement grants again).
  * never after the contract's own last day; None while nothing limits it (no invoice yet and
    no last day).
- `last_paid_day`: "paid up to" as shown on the contract page and in the API (end of the latest
  paid period, capped at the last day; a terminated contract ends paid or not).

Everything else — credentials.grant_access / sync_access / redate_access (on activation,
vehicle change, renewal, termination, payment, the monthly run's issue and the nightly
housekeeping), the end of due contracts, the page and the API — calls these functions, and
`rules.revocation_day` / `rules.access_valid_to` turn the day into credential dates.
"""
from engine import clock
from processes.invoicing.cover import covers_of

from . import rules
from .status import ContractStatus


def access_until(session, contract, now=None):
    """Last day (site time) the contract's plates may enter; None while nothing limits it."""
    return _access_until(contract, _cover(session, contract, now))


def last_paid_day(session, contract, now=None):
    """Last day (site time) the contract is paid up to: the end of its latest paid invoice
    period, never after its own last day; None while nothing limits it (no invoice paid yet
    and no last day)."""
    return _paid_up_to(contract, _cover(session, contract, now))


def access_until_of(session, contracts, now=None):
    """{contract id: access_until} of many contracts at once (the bulk paths: one query);
    `contracts` are rows with the contract's id, status, ends_on and its site's timezone."""
    now = now or clock.now()
    by_id = {contract.id: contract for contract in contracts}
    covers = covers_of(session, list(by_id),
                       lambda cid: rules.site_today(by_id[cid].timezone, now))
    return {cid: _access_until(by_id[cid], cover) for cid, cover in covers.items()}


def _cover(session, contract, now):
    today = rules.site_today(contract.site.timezone, now or clock.now())
    return covers_of(session, [contract.id], lambda _: today)[contract.id]


def _access_until(contract, cover):
    if contract.status == ContractStatus.ACTIVE:
        return _capped(cover.covered_until, contract.ends_on)
    return _paid_up_to(contract, cover)


def _paid_up_to(contract, cover):
    paid = cover.paid_up_to
    if paid is None or contract.ends_on is None:
        return paid or contract.ends_on     # a terminated contract ends, paid or not
    return min(paid, contract.ends_on)


def _capped(day, ends_on):
    if day is None or ends_on is None:
        return day or ends_on
    return min(day, ends_on)

"""The one place that says up to which day a contract is paid (access depends on it).

Invoicing owns the answer: `processes.invoicing.service.last_paid_day` is the last day of the
latest period covered by a paid invoice of the contract (None while nothing is paid yet, e.g.
before the first invoice). This module only caps it at the contract's own last day. Everything
else — the credential's valid_to (credentials.grant_access / sync_access), the end of due
contracts, the contract pages and the API — calls this function and `rules.revocation_day`, so
the rule "access is revoked the day after the last paid period" has one source.
"""
from processes.invoicing.service import last_paid_day as paid_invoices_cover


def last_paid_day(session, contract):
    """Last calendar day (site time) the contract is paid up to: the end of its latest paid
    invoice period, never after its own last day; None while nothing limits it (no invoice
    paid yet and no last day)."""
    paid = paid_invoices_cover(session, contract)
    if paid is None or contract.ends_on is None:
        return paid or contract.ends_on     # a terminated contract ends, paid or not
    return min(paid, contract.ends_on)

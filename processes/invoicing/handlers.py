"""Service-task handlers of invoice_collection (library/invoicing.bpmn), by topic name.

Each takes the engine's ServiceCall (variables: invoice_id, attempt...) and returns the new
variables. They are safe to run twice: charges are keyed by attempt, letters by level, and a
suspension of a settled invoice is skipped.
"""
from sqlalchemy.orm import Session

from engine.db import writer
from processes.seasonparking.contracts import suspend_contract
from processes.seasonparking.models import Contract

from . import daily
from .collection import charge_invoice, is_settled, retry_plan
from .models import Invoice
from .notices import FINAL_NOTICE, REMINDER, send_dunning

SUSPENDING_ACTOR = "invoice_collection"   # the back office decided in the process's task
TOPICS = ("invoicing_charge", "invoicing_send_reminder", "invoicing_send_final_notice",
          "invoicing_check_paid", "invoicing_suspend_contract")


def register_handlers(registry, db_engine, provider_factory, mail_settings=None):
    """Add the invoicing handlers to an engine ServiceRegistry."""
    def charge(call):
        """Charge attempt n+1; tells whether it is paid, and whether and when to retry."""
        attempt = int(call.variables.get("attempt") or 1) + 1
        outcome = charge_invoice(db_engine, provider_factory(), call.variables["invoice_id"],
                                 attempt)
        plan = retry_plan(attempt, outcome.status)
        return {"attempt": attempt, "charge_status": outcome.status, "paid": outcome.paid,
                "retries_left": plan.retries_left, "retry_delay": plan.delay or "P1D",
                "decline_message": outcome.message}

    def letter(level):
        def send(call):
            """Send the letter unless the invoice was settled meanwhile."""
            invoice_id = call.variables["invoice_id"]
            if _settled(db_engine, invoice_id):
                return {"paid": True}
            send_dunning(db_engine, mail_settings, invoice_id, level)
            return {"paid": False, "dunning_level": level}
        return send

    def check_paid(call):
        """Whether the invoice is settled by now."""
        return {"paid": _settled(db_engine, call.variables["invoice_id"])}

    def suspend(call):
        """Suspend the contract of a still unpaid invoice (the back office decided so): its
        access is revoked; paying every overdue invoice reinstates it (collection)."""
        invoice_id = call.variables["invoice_id"]
        with Session(writer(db_engine)) as session, session.begin():
            if is_settled(session, invoice_id):
                return {"suspended": False, "paid": True}
            invoice = session.get(Invoice, invoice_id)
            contract = session.get(Contract, invoice.contract_id)
            note = (call.variables.get("decision_note") or "").strip()
            reason = f"invoice {invoice.number} unpaid" + (f": {note}" if note else "")
            suspended = suspend_contract(session, contract, SUSPENDING_ACTOR, reason)
        return {"suspended": suspended, "paid": False}

    for name, fn in zip(TOPICS, (charge, letter(REMINDER), letter(FINAL_NOTICE), check_paid,
                                 suspend)):
        registry.add(name, fn)
    return registry


def _settled(db_engine, invoice_id):
    with Session(db_engine) as session:
        return is_settled(session, invoice_id)


def register(registry, session_factory, notifications=None):
    """Register the handlers on the app's database, charging through the configured provider."""
    from processes.payments import make_provider

    db_engine = session_factory.kw["bind"]
    provider = make_provider(session_factory)
    mail = notifications.mail if notifications is not None else None
    register_handlers(registry, db_engine, lambda: provider, mail)
    return daily.register_handlers(registry, db_engine, mail)

"""The invoice_collection process (library/invoicing.bpmn): deploy it, start it for a decline
or for an overdue transfer."""
from pathlib import Path

from sqlalchemy.orm import Session

from engine import NotFound

from . import defaults
from .collection import retry_plan
from .models import Invoice

DIAGRAM = Path(__file__).resolve().parents[2] / "library" / "invoicing.bpmn"


def deploy_collection(engine, tenant, actor=None):
    """Deploy library/invoicing.bpmn to `tenant` (no new version when unchanged)."""
    return engine.deploy(DIAGRAM.read_bytes(), DIAGRAM.name, tenant, actor=actor)


def start_collection(engine, db_engine, invoice_id, outcome):
    """Start the collection process of an invoice whose first charge failed; its id.

    The process waits for the retries the decline allows (none after a hard decline), then
    runs the dunning. Deployed on first need when the tenant does not have it yet.
    """
    with Session(db_engine) as session:
        invoice = session.get(Invoice, invoice_id)
        tenant, number, gross = invoice.tenant, invoice.number, invoice.gross_cents
        customer = invoice.contract_id
    plan = retry_plan(outcome.attempt, outcome.status)
    variables = {"invoice_id": invoice_id, "invoice_number": number, "contract_id": customer,
                 "amount": gross, "attempt": outcome.attempt, "charge_status": outcome.status,
                 "paid": outcome.paid, "retries_left": plan.retries_left,
                 "retry_delay": plan.delay or "P1D", "decline_message": outcome.message}
    return _start(engine, tenant, number, variables)


def start_dunning(engine, db_engine, invoice_id):
    """Start the collection process of an overdue invoice paid by transfer, at the reminder:
    nothing to charge, so no retry; its id."""
    with Session(db_engine) as session:
        invoice = session.get(Invoice, invoice_id)
        tenant, number = invoice.tenant, invoice.number
        variables = {"invoice_id": invoice_id, "invoice_number": number,
                     "contract_id": invoice.contract_id, "amount": invoice.open_cents,
                     "attempt": 0, "charge_status": "transfer_overdue", "paid": False,
                     "retries_left": False, "retry_delay": "P1D",
                     "decline_message": f"no transfer received by {invoice.due_on.isoformat()}"}
    return _start(engine, tenant, number, variables)


def _start(engine, tenant, number, variables):
    try:
        return engine.start(defaults.COLLECTION_PROCESS, number, variables, tenant=tenant,
                            actor="invoicing")
    except NotFound:
        deploy_collection(engine, tenant, actor="invoicing")
        return engine.start(defaults.COLLECTION_PROCESS, number, variables, tenant=tenant,
                            actor="invoicing")

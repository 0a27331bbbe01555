"""What the web app, the API and the CLI call: runs, invoice look-ups, payments, credit notes.

`last_paid_day(session, contract)` is the season-parker process's answer to "until when is
this contract paid?" (access is revoked the day after).
"""
import logging
import threading

from sqlalchemy import select

from . import daily, runs
from .collection import collect_run, last_paid_day, record_payment  # noqa: F401 (re-exported)
from .issuing import CreditRefused, issue_credit_note  # noqa: F401 (re-exported)
from .models import Invoice, InvoicingRun

log = logging.getLogger(__name__)


def collector(db_engine, engine, provider):
    """The collection step of a run: first charges, processes for the declines."""
    if provider is None:
        return None

    def collect(run_id, progress=None):
        return collect_run(db_engine, engine, provider, run_id, progress)
    return collect


def run_month(db_engine, engine, provider, tenant, period, actor=None, progress=None,
              run_id=None):
    """Issue `period`'s invoices and make their first charge; RunFigures. The tenant's daily
    finance round (anomaly check, dunning of transfers) is made sure to be waiting."""
    figures = runs.run_period(db_engine, tenant, period, actor=actor, progress=progress,
                              collector=collector(db_engine, engine, provider), run_id=run_id)
    if engine is not None:
        daily.ensure_daily(engine, db_engine, tenant)
    return figures


def start_run_in_background(db_engine, engine, provider, tenant, period, actor=None):
    """Open a run and carry it out on a background thread; returns the run id at once.

    The run row holds the progress the page shows; a failure ends in status "failed" with its
    message (and a log entry), never in a half-written batch.
    """
    run_id = runs.open_run(db_engine, tenant, period, actor)

    def work():
        try:
            run_month(db_engine, engine, provider, tenant, period, actor, run_id=run_id)
        except Exception:
            log.exception("invoicing run %s failed", run_id)
    threading.Thread(target=work, name=f"invoicing-run-{run_id}", daemon=True).start()
    return run_id


def get_run(session, tenant, run_id):
    """The tenant's run `run_id`, or None (another tenant's run is None too)."""
    run = session.get(InvoicingRun, run_id)
    return run if run is not None and run.tenant == tenant else None


def get_invoice(session, tenant, invoice_id):
    """The tenant's invoice or credit note `invoice_id`, or None."""
    invoice = session.get(Invoice, invoice_id)
    return invoice if invoice is not None and invoice.tenant == tenant else None


def list_invoices(session, tenant, contract_id=None, status=None, limit=100, offset=0):
    """The tenant's invoices and credit notes, newest first, optionally of one contract."""
    query = select(Invoice).where(Invoice.tenant == tenant)
    if contract_id is not None:
        query = query.where(Invoice.contract_id == contract_id)
    if status:
        query = query.where(Invoice.status == status)
    return list(session.scalars(query.order_by(Invoice.issued_on.desc(), Invoice.id.desc())
                                .limit(limit).offset(offset)))

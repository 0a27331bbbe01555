"""The monthly run: every billable contract of a tenant gets its month's invoice, in batches.

Each batch is one write transaction (numbers, invoices, lines, the run's counters), so a run
that stops half-way keeps what it committed and can simply be started again: contracts that
already have the month's invoice are skipped, and the unique (contract, billing period)
constraint stops a duplicate even from a concurrent run. No workflow instance is started per
invoice here: the first charge is made in bulk afterwards (collection.collect_run), and only
invoices whose charge failed get an `invoice_collection` process.
"""
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock
from engine.db import writer

from . import defaults, money
from .issuing import billable_contracts_query, issue_for_contracts, local_today, terms_of
from .models import InvoicingRun

log = logging.getLogger(__name__)
BATCH_RETRIES = 3


@dataclass(frozen=True)
class RunFigures:
    """What a run did, for the CLI and the page."""

    id: int
    period: str
    status: str
    total: int
    processed: int
    issued: int
    skipped: int
    charged: int
    declined: int


def figures(run):
    """RunFigures of a run row."""
    return RunFigures(run.id, run.period, run.status, run.total, run.processed, run.issued,
                      run.skipped, run.charged, run.declined)


def open_run(db_engine, tenant, period, actor=None):
    """Record a new run of `period` (checked) with its number of contracts; returns its id."""
    first, last = money.parse_period(period)
    with Session(writer(db_engine)) as session, session.begin():
        total = len(session.execute(billable_contracts_query(tenant, first, last)).all())
        run = InvoicingRun(tenant=tenant, period=period, status="running", total=total,
                           started_by=actor, started_at=clock.now())
        session.add(run)
        session.flush()
        return run.id


def issue_run(db_engine, run_id, progress=None, batch=defaults.RUN_BATCH):
    """Issue the invoices of run `run_id` batch by batch; `progress(done, total)` after each."""
    with Session(db_engine) as session:
        run = session.get(InvoicingRun, run_id)
        tenant, period, actor = run.tenant, run.period, run.started_by
        first, last = money.parse_period(period)
        terms = terms_of(session, tenant)
        contracts = session.execute(billable_contracts_query(tenant, first, last)).all()
    today = local_today(terms)
    done = 0
    for start in range(0, len(contracts), batch):
        chunk = contracts[start:start + batch]
        _issue_batch(db_engine, run_id, tenant, period, chunk, terms, today, actor)
        done += len(chunk)
        if progress is not None:
            progress(done, len(contracts))
    return len(contracts)


def _issue_batch(db_engine, run_id, tenant, period, chunk, terms, today, actor):
    for attempt in range(1, BATCH_RETRIES + 1):
        try:
            with Session(writer(db_engine)) as session, session.begin():
                issued, skipped = issue_for_contracts(session, tenant, period, chunk, terms,
                                                      today, run_id, actor)
                run = session.get(InvoicingRun, run_id)
                run.processed += len(chunk)
                run.issued += issued
                run.skipped += skipped
            return
        except IntegrityError:
            # A concurrent run invoiced some of these contracts first: read again and skip them.
            log.info("run %s: batch raced another run (attempt %s); retrying", run_id, attempt)
            if attempt == BATCH_RETRIES:
                raise


def finish_run(db_engine, run_id, status="done", message=None):
    """Mark the run done (or failed, with a message)."""
    with Session(writer(db_engine)) as session, session.begin():
        run = session.get(InvoicingRun, run_id)
        run.status, run.message, run.finished_at = status, message, clock.now()


def run_period(db_engine, tenant, period, actor=None, progress=None, collector=None,
               run_id=None):
    """A whole run: open, issue, collect first charges (when a collector is given:
    collector(run_id, progress)), finish; `progress(phase, done, total)` with phase "issue"
    or "charge". Returns RunFigures. A failure marks the run failed and is raised again."""
    run_id = run_id or open_run(db_engine, tenant, period, actor)
    try:
        issue_run(db_engine, run_id, progress=_phase(progress, "issue"))
        if collector is not None:
            collector(run_id, _phase(progress, "charge"))
    except Exception as error:
        finish_run(db_engine, run_id, "failed", f"{type(error).__name__}: {error}")
        raise
    finish_run(db_engine, run_id)
    return run_figures(db_engine, run_id)


def _phase(progress, phase):
    if progress is None:
        return None
    return lambda done, total: progress(phase, done, total)


def run_figures(db_engine, run_id):
    """RunFigures of run `run_id`, or None."""
    with Session(db_engine) as session:
        run = session.get(InvoicingRun, run_id)
        return None if run is None else figures(run)


def recent_runs(session, tenant, limit=10):
    """The tenant's latest runs, newest first."""
    return list(session.scalars(select(InvoicingRun).where(InvoicingRun.tenant == tenant)
                                .order_by(InvoicingRun.id.desc()).limit(limit)))

"""The daily finance round (library/finance_daily.bpmn): anomaly check and dunning of transfers.

One `finance_daily` instance per tenant and day (business key "finance-YYYY-MM-DD") waits on
its timer start event until DAILY_RUN_AT in the tenant's time zone, then
1. schedules the next day's instance (first, so a failing step below never breaks the chain),
2. runs the anomaly check of its day (alerts stored and e-mailed once, processes.alerts),
3. starts the dunning (invoice_collection at the reminder) of every open invoice paid by
   transfer (the contract has no card or mandate) whose due date has passed and that has no
   collection process yet.
Every step is safe to run twice: the next instance and the dunning processes are looked up by
business key before they are started, alerts are stored once per key.

The chain is started by `ensure_daily` (after every monthly run, and by the demo seeder); an
instance cancelled in the monitor is replaced at the next monthly run.
"""
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine import Engine, InstanceStatus, NotFound, ProcessInstance, clock
from processes.seasonparking.models import Contract

from . import defaults
from .alerts import check_anomalies
from .issuing import local_today, terms_of
from .models import Invoice
from .workflow import start_dunning

DIAGRAM = Path(__file__).resolve().parents[2] / "library" / "finance_daily.bpmn"
ACTOR = "finance-daily"
TOPICS = ("finance_schedule_next_day", "finance_check_anomalies", "finance_start_dunning")
LIVE = (InstanceStatus.RUNNING, InstanceStatus.COMPLETED)


def run_time(day, zone, at=defaults.DAILY_RUN_AT):
    """The UTC instant of the round of local `day` (DAILY_RUN_AT in `zone`, DST-safe)."""
    local = datetime.combine(day, time.fromisoformat(at), tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc)


def next_round_day(zone, now, at=defaults.DAILY_RUN_AT):
    """The local day of the first round strictly after `now` (today's when it is still to
    come, else tomorrow's)."""
    today = now.astimezone(ZoneInfo(zone)).date()
    return today if run_time(today, zone, at) > now else today + timedelta(days=1)


def business_key(day):
    """The business key of `day`'s round."""
    return defaults.DAILY_BUSINESS_KEY.format(day=day.isoformat())


def schedule_round(engine, db_engine, tenant, day):
    """Start `day`'s instance (waiting until its run time) unless it exists; its id or None."""
    key = business_key(day)
    with Session(db_engine) as session:
        if _has_instance(session, tenant, defaults.DAILY_PROCESS, key, LIVE):
            return None
        zone = terms_of(session, tenant).timezone
    variables = {"day": day.isoformat(), "run_at": run_time(day, zone).isoformat()}
    try:
        return engine.start(defaults.DAILY_PROCESS, key, variables, tenant=tenant, actor=ACTOR)
    except NotFound:
        engine.deploy(DIAGRAM.read_bytes(), DIAGRAM.name, tenant, actor=ACTOR)
        return engine.start(defaults.DAILY_PROCESS, key, variables, tenant=tenant, actor=ACTOR)


def ensure_daily(engine, db_engine, tenant):
    """Make sure the tenant's next round is waiting; the id of an instance started, or None."""
    with Session(db_engine) as session:
        zone = terms_of(session, tenant).timezone
    return schedule_round(engine, db_engine, tenant, next_round_day(zone, clock.now()))


def overdue_transfers(session, tenant, today):
    """Ids of the tenant's open invoices past due whose contract pays by transfer (no card or
    mandate) and that have no collection process yet, oldest first."""
    has_process = exists().where(ProcessInstance.tenant == tenant,
                                 ProcessInstance.process_key == defaults.COLLECTION_PROCESS,
                                 ProcessInstance.business_key == Invoice.number)
    return list(session.scalars(
        select(Invoice.id).join(Contract, Contract.id == Invoice.contract_id)
        .where(Invoice.tenant == tenant, Invoice.kind == "invoice", Invoice.status == "open",
               Invoice.due_on < today, Contract.payment_token.is_(None), ~has_process)
        .order_by(Invoice.due_on, Invoice.id)))


def start_transfer_dunning(engine, db_engine, tenant, today=None):
    """Start invoice_collection (at the reminder) for every overdue transfer; how many."""
    with Session(db_engine) as session:
        today = today or local_today(terms_of(session, tenant))
        invoice_ids = overdue_transfers(session, tenant, today)
    for invoice_id in invoice_ids:
        start_dunning(engine, db_engine, invoice_id)
    return len(invoice_ids)


def register_handlers(registry, db_engine, mail_settings=None):
    """Add the handlers of finance_daily to an engine ServiceRegistry."""
    engines = []

    def engine():
        # Handlers get no engine: starting processes takes one on the same database and
        # registry (built on first use, when the registry is complete).
        if not engines:
            engines.append(Engine(db_engine, services=registry))
        return engines[0]

    def schedule_next_day(call):
        """Start tomorrow's round (first: a failing check below must not end the chain)."""
        day = datetime.fromisoformat(call.variables["day"]).date()
        with Session(db_engine) as session:
            zone = terms_of(session, call.tenant).timezone
        following = max(day + timedelta(days=1), next_round_day(zone, clock.now()))
        schedule_round(engine(), db_engine, call.tenant, following)
        return {"next_day": following.isoformat()}

    def anomalies(call):
        """The anomaly check of the round's day; new alerts are e-mailed once."""
        day = datetime.fromisoformat(call.variables["day"]).date()
        return {"new_alerts": len(check_anomalies(db_engine, call.tenant, day, mail_settings))}

    def dunning(call):
        """Dunning for invoices paid by transfer that are past due."""
        day = datetime.fromisoformat(call.variables["day"]).date()
        return {"dunning_started": start_transfer_dunning(engine(), db_engine, call.tenant,
                                                          day)}

    for name, fn in zip(TOPICS, (schedule_next_day, anomalies, dunning)):
        registry.add(name, fn)
    return registry


def _has_instance(session, tenant, process_key, key, statuses):
    return session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.tenant == tenant, ProcessInstance.process_key == process_key,
        ProcessInstance.business_key == key,
        ProcessInstance.status.in_([str(s) for s in statuses])).limit(1)) is not None

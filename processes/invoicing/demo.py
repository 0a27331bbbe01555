"""Demo data: last month's and this month's invoices for the demo contracts, every other contract
paid up by transfer, and the daily finance round waiting for its next morning."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from . import money
from .collection import record_payment
from .issuing import billable_contracts_query, issue_for_contracts, local_today, terms_of
from .models import Invoice


def seed(session, tenant_key):
    """Invoice last month and this month (in advance) for the tenant's active contracts, once;
    every other contract has paid both by transfer. A one-line summary."""
    terms = terms_of(session, tenant_key)
    today = local_today(terms)
    periods = (money.period_of(today.replace(day=1) - timedelta(days=1)),
               money.period_of(today))
    issued = {}
    for period in periods:
        first, last = money.parse_period(period)
        contracts = session.execute(billable_contracts_query(tenant_key, first, last)).all()
        issued[period] = issue_for_contracts(session, tenant_key, period, contracts, terms,
                                             today, actor="demo")[0] if contracts else 0
    if not any(issued.values()):
        return None
    fresh = session.scalars(select(Invoice).where(
        Invoice.tenant == tenant_key, Invoice.billing_period.in_(periods),
        Invoice.created_by == "demo", Invoice.status == "open").order_by(Invoice.id)).all()
    payers = sorted({invoice.contract_id for invoice in fresh})[::2]
    for invoice in fresh:
        if invoice.contract_id in payers:
            record_payment(session, tenant_key, invoice.contract_id, invoice.gross_cents,
                           "transfer", reference=f"DEMO-{invoice.number}", actor="demo")
    session.commit()        # the engine below writes from its own connection
    _start_daily_round(session, tenant_key)
    last_month, this_month = periods
    return (f"Invoicing: {issued[last_month]} invoice(s) for {last_month} and "
            f"{issued[this_month]} for {this_month}; {len(payers)} contract(s) paid both "
            "by transfer; the daily finance round waits for the morning.")


def _start_daily_round(session, tenant_key):
    from engine import Engine
    from processes.notifications import NotificationSettings
    from processes.registry import build_service_registry

    from .daily import ensure_daily
    bind = session.get_bind()
    engine = Engine(bind, services=build_service_registry(sessionmaker(bind=bind),
                                                          NotificationSettings()))
    ensure_daily(engine, bind, tenant_key)

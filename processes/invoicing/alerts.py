"""Anomaly alerts: revenue far from its usual range, and access without any paid invoice.

Revenue: season parking is billed once a month, so invoiced revenue arrives as one spike per
run and would always look odd. The check judges *earned* revenue instead: each invoice spread
evenly over the days it covers (credit notes deducted). A day is an anomaly when its earned
revenue lies beyond median +/- 3 x MAD of the trailing 28 days (MAD: median absolute
deviation, floored at ANOMALY_MAD_FLOOR_CENTS so a flat history tolerates small changes); with
fewer than 14 days of history nothing is judged.

Access: a credential valid on the day (processes.access) whose contract has no paid invoice,
once the payment term has passed since the credential became valid.

Each alert is stored once (tenant, kind, key), e-mailed once to the tenant's alert address or
its active supervisors and admins, and listed on the invoicing dashboard.
"""
import logging
import statistics
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine import clock
from engine.db import writer
from processes.accounts.models import Tenant, User, UserRole
from processes.notifications import mailer
from processes.seasonparking.models import Contract

from . import defaults, money
from .issuing import terms_of
from .models import Alert, Invoice, InvoicingSettings
from .notices import alert_message

log = logging.getLogger(__name__)
ALERT_ROLES = ("supervisor", "admin")


@dataclass(frozen=True)
class Range:
    """The usual range of a figure and whether a value falls outside it."""

    median: Decimal
    mad: Decimal
    low: Decimal
    high: Decimal
    outside: bool


def usual_range(history, value, factor=defaults.ANOMALY_MAD_FACTOR,
                floor=defaults.ANOMALY_MAD_FLOOR_CENTS):
    """Range of `history` (median +/- factor x max(MAD, floor)) and whether `value` is outside."""
    median = Decimal(statistics.median(history))
    mad = Decimal(statistics.median([abs(Decimal(v) - median) for v in history]))
    spread = factor * max(mad, Decimal(floor))
    low, high = median - spread, median + spread
    return Range(median, mad, low, high, not low <= value <= high)


def earned_revenue(session, tenant, first, last):
    """{day: earned cents} for [first, last]: each invoice's net spread over its days."""
    rows = session.execute(select(Invoice.kind, Invoice.period_start, Invoice.period_end,
                                  Invoice.net_cents)
                           .where(Invoice.tenant == tenant, Invoice.period_start <= last,
                                  Invoice.period_end >= first))
    earned = {first + timedelta(days=n): Decimal(0) for n in range((last - first).days + 1)}
    for kind, start, end, net in rows:
        per_day = Decimal(net if kind == "invoice" else -net) / ((end - start).days + 1)
        day = max(start, first)
        while day <= min(end, last):
            earned[day] += per_day
            day += timedelta(days=1)
    return {day: int(value.to_integral_value()) for day, value in earned.items()}


def revenue_alert(session, tenant, day):
    """(key, message) when `day`'s earned revenue is far from its usual range, else None."""
    window = defaults.ANOMALY_WINDOW_DAYS
    first_billed = session.scalar(select(Invoice.period_start).where(Invoice.tenant == tenant)
                                  .order_by(Invoice.period_start).limit(1))
    if first_billed is None:
        return None
    earned = earned_revenue(session, tenant, day - timedelta(days=window), day)
    history = [v for d, v in earned.items() if d < day and d >= first_billed]
    if len(history) < defaults.ANOMALY_MIN_HISTORY_DAYS:
        return None
    found = usual_range(history, earned[day])
    if not found.outside:
        return None
    return (f"revenue:{day.isoformat()}",
            f"Earned revenue of {money.euros(earned[day])} on {day.isoformat()} is outside its "
            f"usual range {money.euros(int(found.low))} to {money.euros(int(found.high))} "
            f"(median of the last {window} days {money.euros(int(found.median))}).")


def credential_alerts(session, tenant, day):
    """[(key, message)] for credentials valid on `day` whose contract has no paid invoice."""
    try:
        from processes.access.models import AccessCredential
    except ImportError:
        return []
    grace = timedelta(days=terms_of(session, tenant).payment_term_days)
    paid = exists().where(Invoice.contract_id == Contract.id, Invoice.status == "paid")
    rows = session.execute(
        select(AccessCredential.id, AccessCredential.kind, AccessCredential.value, Contract.number)
        .join(Contract, (Contract.tenant == AccessCredential.tenant)
              & (Contract.number == AccessCredential.reference))
        .where(AccessCredential.tenant == tenant, AccessCredential.revoked_at.is_(None),
               AccessCredential.valid_from <= day - grace,
               (AccessCredential.valid_to.is_(None)) | (AccessCredential.valid_to >= day),
               ~paid).order_by(AccessCredential.id))
    return [(f"credential:{cid}",
             f"Access {kind} {value} of contract {number} is active but no invoice of the "
             "contract is paid.") for cid, kind, value, number in rows]


def check_anomalies(db_engine, tenant, day, mail_settings=None):
    """Look for anomalies on `day`; store and e-mail the new ones; returns the new Alerts."""
    with Session(db_engine) as session:
        found = credential_alerts(session, tenant, day)
        revenue = revenue_alert(session, tenant, day)
    found += [revenue] if revenue else []
    with Session(writer(db_engine), expire_on_commit=False) as session, session.begin():
        known = set(session.scalars(select(Alert.key).where(
            Alert.tenant == tenant, Alert.key.in_([key for key, _ in found]))))
        new = [Alert(tenant=tenant, kind=key.split(":")[0], key=key, day=day, message=message,
                     created_at=clock.now()) for key, message in found if key not in known]
        session.add_all(new)
    if new and mail_settings is not None and mail_settings.enabled:
        _email(db_engine, mail_settings, tenant, new)
    return new


def _email(db_engine, mail_settings, tenant, alerts):
    with Session(db_engine) as session:
        recipients = alert_recipients(session, tenant)
    if not recipients:
        log.warning("invoicing alerts of %s: nobody to e-mail", tenant)
        return
    mailer.send(mail_settings, alert_message(mail_settings.sender, recipients, tenant, alerts),
                recipients)
    with Session(writer(db_engine)) as session, session.begin():
        for alert in alerts:
            session.get(Alert, alert.id).emailed_to = ", ".join(recipients)


def alert_recipients(session, tenant):
    """The tenant's alert address, or its active supervisors' and admins' addresses."""
    settings = session.get(InvoicingSettings, tenant)
    if settings is not None and settings.alert_email:
        return [settings.alert_email]
    emails = session.scalars(select(User.email).join(Tenant).join(UserRole).where(
        Tenant.key == tenant, UserRole.role.in_(ALERT_ROLES), User.active.is_(True),
        User.email.is_not(None)).distinct().order_by(User.email))
    return [e for e in emails if e.strip()]


def recent_alerts(session, tenant, limit=20):
    """The tenant's latest alerts, newest first."""
    return list(session.scalars(select(Alert).where(Alert.tenant == tenant)
                                .order_by(Alert.created_at.desc(), Alert.id.desc())
                                .limit(limit)))

"""Dunning letters (reminder, final notice) and alert e-mails, sent with the notifications mailer.

Each letter is recorded once per invoice and level (DunningNotice); a job run again finds the
row and sends nothing. Without a mail server the notice is still recorded (sent_to empty), so
the dunning goes on and the page shows that nothing was e-mailed.
"""
import logging
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock
from engine.db import writer
from processes.bookings.models import Customer
from processes.notifications import mailer
from processes.seasonparking.models import Contract

from . import money
from .models import DunningNotice, Invoice

log = logging.getLogger(__name__)
REMINDER, FINAL_NOTICE = 1, 2
SUBJECTS = {REMINDER: "Payment reminder: invoice {number}",
            FINAL_NOTICE: "Final notice: invoice {number}"}
BODIES = {
    REMINDER: ("Dear {name},\n\nwe could not collect invoice {number} of {amount} {currency}, "
               "due on {due}. Please pay it within seven days, or update your payment method."
               "\n\nKind regards,\nThe parking office\n"),
    FINAL_NOTICE: ("Dear {name},\n\ninvoice {number} of {amount} {currency}, due on {due}, is "
                   "still unpaid despite our reminder. Unless it is paid within seven days your "
                   "season contract may be suspended and your access stopped.\n\n"
                   "Kind regards,\nThe parking office\n"),
}
# Contracts paying by transfer were never charged: the reminder asks for the transfer.
TRANSFER_REMINDER = ("Dear {name},\n\nwe have not yet received your payment of invoice {number} "
                     "of {amount} {currency}, due on {due}. Please transfer it within seven "
                     "days.\n\nKind regards,\nThe parking office\n")


def send_dunning(db_engine, mail_settings, invoice_id, level):
    """Send the letter of `level` for an invoice once; returns the address or None."""
    with Session(db_engine) as session:
        if session.scalar(select(DunningNotice.id).where(DunningNotice.invoice_id == invoice_id,
                                                         DunningNotice.level == level)):
            return None
        invoice = session.get(Invoice, invoice_id)
        customer = session.get(Customer, invoice.customer_id)
        by_transfer = session.get(Contract, invoice.contract_id).payment_token is None
        message = _letter(invoice, customer, level, mail_settings, by_transfer)
        address, tenant = customer.email, invoice.tenant
    sent_to = None
    if address and mail_settings is not None and mail_settings.enabled:
        mailer.send(mail_settings, message, [address])
        sent_to = address
    with Session(writer(db_engine)) as session:
        session.add(DunningNotice(tenant=tenant, invoice_id=invoice_id, level=level,
                                  sent_to=sent_to, sent_at=clock.now()))
        session.get(Invoice, invoice_id).dunning_level = level
        try:
            session.commit()
        except IntegrityError:
            log.info("dunning level %s of invoice %s recorded by another runner", level,
                     invoice_id)
    return sent_to


def _letter(invoice, customer, level, mail_settings, by_transfer=False):
    context = {"name": customer.name, "number": invoice.number,
               "amount": money.euros(invoice.open_cents), "currency": invoice.currency,
               "due": invoice.due_on.isoformat()}
    sender = mail_settings.sender if mail_settings is not None else "parkops@localhost"
    message = EmailMessage()
    message["Subject"] = SUBJECTS[level].format(**context)
    message["From"] = sender
    message["To"] = customer.email or ""
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(f"dunning.{invoice.id}.{level}")
    message["Auto-Submitted"] = "auto-generated"
    body = TRANSFER_REMINDER if by_transfer and level == REMINDER else BODIES[level]
    message.set_content(body.format(**context))
    return message


def alert_message(sender, recipients, tenant, alerts):
    """One e-mail listing new anomaly alerts of a tenant."""
    message = EmailMessage()
    message["Subject"] = f"ParkOps {tenant}: {len(alerts)} invoicing alert(s)"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid("invoicing-alert")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("New anomalies in the invoicing figures:\n\n" + "\n".join(
        f"- {alert.day.isoformat()} {alert.message}" for alert in alerts)
        + "\n\nOpen the invoicing dashboard for details.\n")
    return message

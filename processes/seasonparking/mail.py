"""Welcome and refusal e-mails to applicants, sent once per engine job over SMTP.

Idempotency follows processes.notifications: a NotificationLog row keyed by the job id means
"already sent", so a job run again after a crash does not send a second mail.
"""
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from engine import clock
from processes.notifications import NotificationLog, mailer

_templates = Environment(loader=PackageLoader("processes.seasonparking", "templates"),
                         autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                         trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def euros(cents, currency="EUR"):
    """"€ 85.00" from 8500 cents."""
    symbol = "€" if currency == "EUR" else currency
    return f"{symbol} {cents // 100}.{cents % 100:02d}"


def compose(kind, context, sender, address, msg_id):
    """A text + HTML message from the `kind` templates (welcome, refusal)."""
    message = EmailMessage()
    subject = _templates.get_template(f"{kind}.subject.txt").render(context)
    message["Subject"] = " ".join(subject.split())
    message["From"] = sender
    message["To"] = address
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = msg_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_templates.get_template(f"{kind}.txt").render(context))
    message.add_alternative(_templates.get_template(f"{kind}.html").render(context),
                            subtype="html")
    return message


def send_once(session_factory, settings, call, kind, address, context):
    """Send the `kind` mail for engine job `call` unless already sent; True when sent now."""
    if not settings.enabled or not address:
        return False
    with session_factory() as session:
        if session.get(NotificationLog, call.job_id) is not None:
            return False
    domain = settings.sender.rpartition("@")[2] or "parkops.local"
    msg_id = f"<season-{kind}.{call.job_id}.{call.tenant}@{domain}>"
    refused = mailer.send(settings, compose(kind, context, settings.sender, address, msg_id),
                          [address])
    with session_factory() as session:
        session.add(NotificationLog(job_id=call.job_id, tenant=call.tenant, task_id=None,
                                    kind=f"season_{kind}", message_id=msg_id,
                                    recipients=[a for a in [address] if a not in refused],
                                    skipped=sorted(refused), sent_at=clock.now()))
        session.commit()
    return not refused

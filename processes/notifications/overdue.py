"""The `task_overdue` handler: e-mails an escalated task's assignee and supervisors, once.

Idempotency is keyed by the engine job id: a NotificationLog row means "already sent", so a
job run again (after a crash between sending and the engine marking it done) sends nothing.
A crash between sending and writing that row can still send twice; both mails then carry
the same Message-ID, so mail clients and readers recognise the copy.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError

from engine import defaults as engine_defaults

from . import defaults, mailer
from .mailer import MailSettings
from .messages import format_due, message_id, overdue_message, task_link
from .models import NotificationLog
from .recipients import overdue_recipients, tenant_timezone

log = logging.getLogger(__name__)

KIND = "task_overdue"


@dataclass(frozen=True)
class NotificationSettings:
    """SMTP settings, the web app's public address, and the zone for tenants without one."""

    mail: MailSettings = field(default_factory=MailSettings)
    base_url: str = defaults.BASE_URL
    timezone: str = defaults.TIMEZONE

    @classmethod
    def from_config(cls, config):
        """Settings from a mapping using the web app's config keys (MAIL_*, BASE_URL, TIMEZONE)."""
        mail = MailSettings(
            host=config.get("MAIL_HOST"), port=int(config.get("MAIL_PORT", defaults.SMTP_PORT)),
            sender=config.get("MAIL_SENDER") or defaults.SENDER,
            starttls=bool(config.get("MAIL_STARTTLS", False)),
            username=config.get("MAIL_USERNAME"), password=config.get("MAIL_PASSWORD"),
            timeout=float(config.get("MAIL_TIMEOUT", defaults.SMTP_TIMEOUT_S)))
        return cls(mail=mail, base_url=config.get("BASE_URL") or defaults.BASE_URL,
                   timezone=config.get("TIMEZONE") or defaults.TIMEZONE)


def make_task_overdue_handler(session_factory, settings):
    """The `task_overdue` handler, reading users through sessions from `session_factory`."""

    def task_overdue(call):
        """E-mail the assignee and the escalation role about call.variables' task, once per job."""
        if "task_id" not in call.variables:
            raise ValueError("task_overdue is the engine's escalation notice, not a service task")
        if _already_sent(session_factory, call.job_id):
            log.info("task_overdue job %s was already sent; not sending again", call.job_id)
            return {}
        recipients, message = _compose(session_factory, settings, call)
        refused = {}
        if recipients.addresses:
            refused = mailer.send(settings.mail, message, list(recipients.addresses))
        _record(session_factory, call, message["Message-ID"], recipients, refused)
        return {}

    return task_overdue


def _already_sent(session_factory, job_id):
    with session_factory() as session:
        return session.get(NotificationLog, job_id) is not None


def _compose(session_factory, settings, call):
    notice = call.variables
    group = notice.get("escalated_to") or engine_defaults.ESCALATION_GROUP
    with session_factory() as session:
        recipients = overdue_recipients(session, call.tenant, notice.get("assignee"), group)
        zone = tenant_timezone(session, call.tenant, settings.timezone)
    due_at = datetime.fromisoformat(notice["due_at"])
    context = {
        "task_name": notice.get("task_name") or "a task", "process_key": notice.get("process_key"),
        "business_key": notice.get("business_key"), "assignee": notice.get("assignee"),
        "candidate_groups": notice.get("candidate_groups") or [], "escalated_to": group,
        "due": format_due(due_at, zone), "link": task_link(settings.base_url, notice["task_id"]),
    }
    msg_id = message_id(call.tenant, call.job_id, settings.mail.sender)
    return recipients, overdue_message(context, settings.mail.sender, recipients.addresses, msg_id)


def _record(session_factory, call, msg_id, recipients, refused):
    skipped = list(recipients.skipped) + sorted(refused)
    if skipped:
        log.warning("task_overdue job %s (task %s): not notified, no usable e-mail address: %s",
                    call.job_id, call.variables["task_id"], ", ".join(skipped))
    if not recipients.addresses:
        log.warning("task_overdue job %s: nobody to e-mail about task %s",
                    call.job_id, call.variables["task_id"])
    row = NotificationLog(
        job_id=call.job_id, tenant=call.tenant, task_id=call.variables["task_id"], kind=KIND,
        message_id=msg_id, skipped=skipped, sent_at=datetime.now(timezone.utc),
        recipients=[a for a in recipients.addresses if a not in refused])
    with session_factory() as session:
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            # Another runner handled the same job meanwhile and logged it first.
            log.info("task_overdue job %s was logged by another runner", call.job_id)

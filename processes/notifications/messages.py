"""The overdue e-mail: subject, plain text and HTML from Jinja2 templates, and its Message-ID."""
import re
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from . import defaults

# Autoescape for .html only: the plain-text part must show "&" as "&", not "&amp;".
_templates = Environment(loader=PackageLoader("processes.notifications", "templates"),
                         autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                         trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def message_id(tenant, job_id, sender):
    """A Message-ID fixed by tenant and job, so a re-sent notification is recognisably the same."""
    domain = sender.rpartition("@")[2] if "@" in sender else defaults.MESSAGE_ID_DOMAIN
    return f"<task-overdue.{job_id}.{_atom(tenant)}@{_atom(domain) or defaults.MESSAGE_ID_DOMAIN}>"


def format_due(due_at, zone_name):
    """The due time in the given IANA zone, e.g. 'Wed 04 Mar 2026 10:00 CET'."""
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(defaults.TIMEZONE)
    return due_at.astimezone(zone).strftime(defaults.DUE_FORMAT)


def task_link(base_url, task_id):
    """Absolute address of the task page in the web app."""
    return base_url.rstrip("/") + defaults.TASK_PATH.format(task_id=task_id)


def overdue_message(context, sender, addresses, msg_id):
    """A multipart (text + HTML) EmailMessage built from the task_overdue templates."""
    message = EmailMessage()
    message["Subject"] = _one_line(_templates.get_template("task_overdue.subject.txt")
                                   .render(context))
    message["From"] = sender
    message["To"] = ", ".join(addresses)
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = msg_id
    # RFC 3834: tells auto-responders (vacation replies) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_templates.get_template("task_overdue.txt").render(context))
    message.add_alternative(_templates.get_template("task_overdue.html").render(context),
                            subtype="html")
    return message


def _one_line(text):
    # Task names and business keys come from users: a line break must not start a new header.
    return " ".join(text.split())


def _atom(text):
    return re.sub(r"[^A-Za-z0-9.-]", "-", text).strip(".")

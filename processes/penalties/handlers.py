"""Service-task handlers of library/cancellation_penalty.bpmn (camunda:topic names in defaults).

Each runs outside the engine's transaction, opens its own write session, re-reads what it
acts on and is safe to run twice (the engine retries a failed attempt).
"""
import logging
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import HumanTask, clock
from engine.db import writer
from processes.bookings.models import Booking
from processes.notifications import mailer

from . import defaults
from .contest import apply_decision, final_decision, record_contest
from .infractions import SYSTEM, record_infraction
from .models import Infraction, PenaltyNotice
from .rules import describe, no_show_at
from .settings import load, rules_of
from .status import BookingStatus, InfractionCause, InfractionKind, NoticeStatus

log = logging.getLogger(__name__)


def register(registry, session_factory, notifications=None):
    """Add the penalties handlers to an engine ServiceRegistry."""
    bind = session_factory.kw["bind"]

    def write_session():
        return Session(writer(bind))

    registry.add(defaults.HANDLER_RECORD_NO_SHOW,
                 lambda call: record_no_show(write_session, call))
    registry.add(defaults.HANDLER_SEND_NOTICES,
                 lambda call: send_notices(write_session, notifications, call))
    registry.add(defaults.HANDLER_DECIDE_CONTEST,
                 lambda call: decide_contest(write_session, call))
    registry.add(defaults.HANDLER_MARK_CONTESTED,
                 lambda call: mark_contested(write_session, call))


def record_no_show(sessions, call):
    """No check-in by start + grace: a major infraction, unless checked in or cancelled since.

    The grace is the tenant's setting NOW (check-in closes by it too): when an admin raised it
    after the timer was set, the answer is "not due" with the new `no_show_at`, and the process
    waits for that time instead. A cancellation that cost an infraction but whose message the
    process never received is taken up here, so its e-mail and contest still happen.
    """
    with sessions() as session, session.begin():
        booking = session.get(Booking, call.variables["booking_id"])
        if booking is None or booking.tenant != call.tenant:
            return _no_infraction("missing")
        existing = session.scalar(select(Infraction).where(
            Infraction.booking_id == booking.id, Infraction.cause == InfractionCause.NO_SHOW))
        if existing is not None:                      # this job ran before
            return _infraction(existing)
        if booking.status == BookingStatus.CANCELLED:
            unheard = session.scalar(select(Infraction).where(
                Infraction.booking_id == booking.id,
                Infraction.cause == InfractionCause.LATE_CANCELLATION))
            if unheard is not None:
                return {**_infraction(unheard), "no_show_outcome": str(booking.status)}
        if booking.status != BookingStatus.CONFIRMED:
            return _no_infraction(booking.status)
        settings = load(session, booking.tenant)
        due = no_show_at(booking.starts_at, rules_of(settings))
        if clock.now() < due:
            return {**_no_infraction("not due"), "no_show_at": due.isoformat()}
        # Compare-and-set, as check-in and cancel do: a check-in or cancellation committed
        # after this session read the booking wins (READ COMMITTED databases allow that gap).
        moved = session.execute(
            update(Booking).where(Booking.id == booking.id,
                                  Booking.status == BookingStatus.CONFIRMED)
            .values(status=BookingStatus.NO_SHOW).execution_options(synchronize_session="fetch"))
        if moved.rowcount != 1:
            session.refresh(booking)
            return _no_infraction(booking.status)
        reason = (f"No check-in by {describe(due, booking.site.timezone)} (start + "
                  f"{settings.check_in_grace_minutes} min grace): no-show.")
        infraction, _ = record_infraction(
            session, settings, booking, InfractionKind.MAJOR, InfractionCause.NO_SHOW, reason,
            SYSTEM, thrower_instance_id=call.instance_id)
        return _infraction(infraction)


def _no_infraction(outcome):
    return {"has_infraction": False, "infraction_id": None, "no_show_outcome": str(outcome)}


def _infraction(infraction):
    return {"has_infraction": True, "infraction_id": infraction.id,
            "infraction_kind": str(infraction.kind), "no_show_outcome": "no_show"}


def send_notices(sessions, notifications, call):
    """E-mail the pending notices of the process's infraction (and its deleted bookings)."""
    infraction_id = call.variables.get("infraction_id")
    with sessions() as session:
        pending = list(session.scalars(select(PenaltyNotice).where(
            PenaltyNotice.tenant == call.tenant, PenaltyNotice.infraction_id == infraction_id,
            PenaltyNotice.status == NoticeStatus.PENDING).order_by(PenaltyNotice.id)))
        session.expunge_all()
    sent = 0
    for notice in pending:
        status, note = _deliver(notifications, notice)
        with sessions() as session, session.begin():
            row = session.get(PenaltyNotice, notice.id)
            if row.status == NoticeStatus.PENDING:
                row.status, row.note = status, note
                row.sent_at = clock.now() if status == NoticeStatus.SENT else None
        sent += status == NoticeStatus.SENT
    return {"notices_sent": sent}


def _deliver(notifications, notice):
    """(status, note); raises when the server is unreachable, so the engine tries again."""
    if notifications is None or not notifications.mail.enabled:
        return NoticeStatus.SKIPPED, "no mail server is configured"
    if not notice.recipient:
        return NoticeStatus.SKIPPED, "the customer has no e-mail address"
    settings = notifications.mail
    message = EmailMessage()
    message["Subject"] = notice.subject
    message["From"] = settings.sender
    message["To"] = notice.recipient
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    domain = settings.sender.rpartition("@")[2] or "parkops.local"
    # Fixed per notice: a copy re-sent after a crash is recognisably the same mail.
    message["Message-ID"] = f"<penalty-notice.{notice.id}.{notice.tenant}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(notice.body)
    refused = mailer.send(settings, message, [notice.recipient])
    if refused:
        return NoticeStatus.SKIPPED, f"refused by the mail server: {refused[notice.recipient]}"
    return NoticeStatus.SENT, None


def mark_contested(sessions, call):
    """The process received the contest: the infraction is contested (once; safe to rerun)."""
    variables = call.variables
    with sessions() as session, session.begin():
        infraction = record_contest(session, call.tenant, variables["infraction_id"],
                                    variables.get("contested_by") or SYSTEM,
                                    variables.get("contest_reason") or "")
        return {"contest_recorded": str(infraction.status)}


def decide_contest(sessions, call):
    """Apply the reviewer's (or, when undecided, the supervisor's) decision to the infraction."""
    variables = call.variables
    decision = final_decision(variables.get("review_decision"),
                              variables.get("supervisor_decision"))
    with sessions() as session, session.begin():
        deciding_task = ("Task_supervisor" if variables.get("review_decision") == "undecided"
                         else "Task_review")
        decider = session.scalar(select(HumanTask.completed_by).where(
            HumanTask.instance_id == call.instance_id, HumanTask.task_spec == deciding_task,
            HumanTask.completed_by.is_not(None)).order_by(HumanTask.completed_at.desc()).limit(1))
        note = variables.get("supervisor_note") or variables.get("review_note")
        infraction = apply_decision(session, call.tenant, variables["infraction_id"], decision,
                                    decider or SYSTEM, note)
        return {"contest_outcome": str(infraction.status)}

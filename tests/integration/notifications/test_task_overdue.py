"""Overdue tasks are e-mailed by real SMTP to the assignee and the supervisors, once."""
import logging
from datetime import timedelta

from sqlalchemy import select, update

from engine import Job, JobStatus
from processes.notifications import NotificationLog

from .conftest import BASE_URL, SENDER, TENANT, start_review

DUE = timedelta(days=2)                  # claim_review's dueDate
EVERYONE = {"agent@acme.test", "sam@acme.test", "sue@acme.test"}


def escalate(eng, clock, task):
    """Move past the task's due time, escalate, and run the notification job."""
    clock.shift(DUE)
    assert eng.escalate_overdue() == 1
    return eng.run_due_jobs()


def bodies(mail):
    """The plain-text and HTML parts of a received mail."""
    return (mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content())


def test_overdue_task_mails_its_assignee_and_each_supervisor_once(eng, people, smtp, clock):
    """One mail reaches agent, sam and sue, naming the task and case, with due time and link."""
    task = start_review(eng)
    eng.claim(task.id, "agent")
    assert escalate(eng, clock, task) == 1
    assert smtp.inbox.deliveries() == {address: 1 for address in EVERYONE}
    [(_rcpt, mail)] = smtp.inbox.received
    assert mail["Subject"] == "Overdue: Review claim (OCC-77)"
    assert mail["From"] == SENDER
    text, html = bodies(mail)
    link = f"{BASE_URL}/basket/tasks/{task.id}"
    # Due 2026-03-04 09:00 UTC, shown in the tenant's New York time, not the app's Brussels.
    assert "Wed 04 Mar 2026 04:00 EST" in text and "Wed 04 Mar 2026 04:00 EST" in html
    assert link in text and f'href="{link}"' in html
    assert "Assigned to: agent" in text


def test_running_the_jobs_again_sends_nothing_more(eng, people, smtp, clock):
    """A second escalation pass and job run find nothing to do and send nothing."""
    task = start_review(eng)
    escalate(eng, clock, task)
    clock.shift(timedelta(hours=1))
    assert (eng.escalate_overdue(), eng.run_due_jobs()) == (0, 0)
    assert len(smtp.inbox.received) == 1


def test_a_job_run_again_after_sending_is_recognised_and_not_resent(
        eng, people, smtp, clock, session):
    """If the engine never marked the job done (crash), the log stops a second mail."""
    task = start_review(eng)
    escalate(eng, clock, task)
    job_id = session.scalar(select(Job.id).where(Job.task_id == task.id, Job.kind == "notify"))
    session.execute(update(Job).where(Job.id == job_id).values(status=JobStatus.PENDING))
    session.commit()
    assert eng.run_due_jobs() == 1
    assert len(smtp.inbox.received) == 1
    [(_rcpt, mail)] = smtp.inbox.received
    assert mail["Message-ID"] == f"<task-overdue.{job_id}.{TENANT}@acme.example.test>"
    assert session.get(NotificationLog, job_id).message_id == mail["Message-ID"]


def test_unassigned_task_mails_the_supervisors_and_names_the_queue(eng, people, smtp, clock):
    """Nobody assigned: only supervisors hear of it, told which role's queue holds it."""
    task = start_review(eng)
    escalate(eng, clock, task)
    assert smtp.inbox.deliveries() == {"sam@acme.test": 1, "sue@acme.test": 1}
    text, _html = bodies(smtp.inbox.received[0][1])
    assert "nobody (waiting in the queue of back-office)" in text


def test_smtp_down_costs_attempts_then_an_incident_and_retry_sends_once(
        eng, people, smtp, clock):
    """Refused connections back off 5 s and 30 s, then an incident; Retry sends exactly once."""
    smtp.stop()
    task = start_review(eng)
    assert escalate(eng, clock, task) == 1                      # attempt 1 fails
    assert eng.run_due_jobs() == 0                              # back-off not over yet
    clock.shift(timedelta(seconds=5))
    assert eng.run_due_jobs() == 1                              # attempt 2 fails
    clock.shift(timedelta(seconds=29))
    assert eng.run_due_jobs() == 0
    clock.shift(timedelta(seconds=1))
    assert eng.run_due_jobs() == 1                              # attempt 3 fails
    [incident] = eng.incidents(TENANT)
    assert incident.task_id == task.id and "ConnectionRefusedError" in incident.message
    assert smtp.inbox.received == []
    smtp.start()
    eng.retry_incident(incident.id, "admin")
    assert eng.run_due_jobs() == 1
    assert (eng.run_due_jobs(), eng.incidents(TENANT)) == (0, [])
    assert smtp.inbox.deliveries() == {"sam@acme.test": 1, "sue@acme.test": 1}


def test_users_without_email_are_skipped_logged_and_recorded(
        eng, people, smtp, clock, session, caplog):
    """A supervisor without an address gets nothing; the log and the NotificationLog say so."""
    task = start_review(eng)
    with caplog.at_level(logging.WARNING, logger="processes.notifications"):
        escalate(eng, clock, task)
    assert "nomail" in caplog.text
    [row] = session.scalars(select(NotificationLog).where(NotificationLog.task_id == task.id))
    assert row.skipped == ["nomail"]
    assert sorted(row.recipients) == ["sam@acme.test", "sue@acme.test"]


def test_deactivated_supervisor_gets_nothing(eng, people, smtp, clock):
    """A supervisor whose account was deactivated is not written to, not even as skipped."""
    eng.claim(start_review(eng).id, "agent")
    clock.shift(DUE)
    eng.escalate_overdue()
    eng.run_due_jobs()
    assert "retired@acme.test" not in smtp.inbox.deliveries()
    [(rcpt, mail)] = smtp.inbox.received
    assert "retired" not in mail["To"] and set(rcpt) == EVERYONE


def test_supervisor_assignee_is_mailed_once(eng, people, smtp, clock):
    """Sue holds the task and the supervisor role: one copy, not two."""
    task = start_review(eng)
    eng.claim(task.id, "sue")
    escalate(eng, clock, task)
    [(rcpt, _mail)] = smtp.inbox.received
    assert rcpt == ["sam@acme.test", "sue@acme.test"]


def test_nobody_reachable_sends_nothing_and_still_finishes_the_job(
        eng, smtp, clock, session):
    """A tenant unknown to the accounts: nothing sent, the job done and the log kept."""
    task = start_review(eng)
    escalate(eng, clock, task)
    assert smtp.inbox.received == []
    row = session.scalar(select(NotificationLog).where(NotificationLog.task_id == task.id))
    assert (row.recipients, row.skipped) == ([], [])
    assert "notification_sent" in [e.kind for e in eng.history(task.instance_id)]


def test_user_text_cannot_forge_headers_and_is_escaped_in_html(eng, people, smtp, clock):
    """A business key with a line break and markup stays one Subject line and inert HTML."""
    task = start_review(eng, business_key="OCC-9 <b>Rue & Co</b>\nBcc: evil@example.test")
    escalate(eng, clock, task)
    [(rcpt, mail)] = smtp.inbox.received
    assert "evil@example.test" not in rcpt and mail["Bcc"] is None
    assert "\n" not in mail["Subject"]
    text, html = bodies(mail)
    assert "<b>Rue & Co</b>" in text
    assert "&lt;b&gt;Rue &amp; Co&lt;/b&gt;" in html and "<b>Rue" not in html

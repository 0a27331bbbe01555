"""A case's history in plain words: audit events, comments and attachments, newest first."""
from dataclasses import dataclass

from sqlalchemy import select

from processes import timewords
from . import filecheck, when
from .models import Attachment, Comment

# How each audit event kind reads; {actor}, {name}... come from the event and its payload.
PHRASES = {
    "instance_started": "{actor} started the case",
    "instance_completed": "The case was completed",
    "instance_cancelled": "{actor} cancelled the case",
    "task_created": "{name} is waiting for {audience}",
    "task_claimed": "{actor} claimed {name}",
    "task_unclaimed": "{actor} gave {name} back to the queue",
    "task_assigned": "{actor} assigned {name} to {assignee}",
    "task_completed": "{actor} completed {name}",
    "task_cancelled": "{name} was withdrawn: the process moved on without it",
    "task_escalated": "{name} passed its deadline and was escalated to {escalated_to}",
    "timer_fired": "Timer “{name}” fired",
    "timer_started": "Started by its timer ({timer})",
    "message_received": "Message “{message}” arrived",
    "message_sent": "Message “{message}” was sent",
    "signal_received": "Signal “{signal}” was heard",
    "signal_sent": "Signal “{signal}” was broadcast; {received} other case(s) heard it",
    "service_completed": "Automatic step “{handler}” finished",
    "service_failed": "Automatic step “{handler}” failed (attempt {attempt})",
    "notification_sent": "A deadline notification was sent",
    "notification_skipped": "No deadline notification could be sent",
    "incident_opened": "A step failed and needs attention: {message}",
    "incident_retried": "{actor} retried a failed step",
    "comment_added": "{actor} commented",
    "attachment_added": "{actor} attached {filename}",
}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline; comments carry their text, attachments their row."""

    kind: str                   # the audit kind: task_claimed, comment_added, ...
    actor: str | None
    text: str
    at: timewords.Moment
    body: str | None = None
    attachment: Attachment | None = None


def list_timeline(eng, tenant, instance_id, tz, now):
    """The instance's audit trail merged with its comments and attachments, newest first."""
    events = [e for e in eng.history(instance_id) if e.tenant == tenant]
    with eng.reading() as session:
        comments = {c.id: c for c in session.scalars(select(Comment).where(
            Comment.tenant == tenant, Comment.instance_id == instance_id))}
        files = {a.id: a for a in session.scalars(select(Attachment).where(
            Attachment.tenant == tenant, Attachment.instance_id == instance_id))}
    # Each comment and attachment was written with its audit event in one transaction, so the
    # audit order (by id) places them exactly, even when the clock stood still. The engine
    # records the start after the first tasks it created; a case's start reads as its first line.
    ordered = sorted(reversed(events), key=lambda e: e.kind == "instance_started")
    return [_entry(event, comments, files, tz, now) for event in ordered]


def _entry(event, comments, files, tz, now):
    payload = dict(event.payload or {})
    moment = timewords.moment(event.at, tz, now)
    body = attachment = None
    if event.kind == "comment_added":
        comment = comments.get(payload.get("comment"))
        body = comment.body if comment is not None else None
    elif event.kind == "attachment_added":
        attachment = files.get(payload.get("attachment"))
    text = describe(event.kind, event.actor, payload)
    return Entry(kind=event.kind, actor=event.actor, text=text, at=moment, body=body,
                 attachment=attachment)


def describe(kind, actor, payload):
    """The plain-words line for an audit event: "agent claimed Review claim"."""
    values = _Blank({k: v for k, v in payload.items() if v is not None})
    values["actor"] = actor or "ParkOps"
    values["audience"] = (", ".join(payload.get("groups") or []) or payload.get("assignee")
                          or "someone")
    if kind == "task_assigned" and not payload.get("assignee"):
        return f"{values['actor']} sent {values['name']} back to the queue"
    if kind == "attachment_added" and payload.get("size") is not None:
        values["filename"] = f"{payload.get('filename')} ({filecheck.human_size(payload['size'])})"
    phrase = PHRASES.get(kind, "{actor}: " + kind.replace("_", " "))
    return phrase.format_map(values)


class _Blank(dict):
    """Payload values for str.format_map; a key an old event lacks reads as a dash."""

    def __missing__(self, key):
        return "–"

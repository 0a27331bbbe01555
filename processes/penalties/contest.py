"""Contesting an infraction: a back-office review, escalated to a supervisor when undecided.

The booking's cancellation_penalty process waits for `infraction_contested` after recording
an infraction; contesting delivers it, and in that same engine transaction the process queues
its `penalties_mark_contested` task (record_contest below, run at least once, before the review
task opens), so a received contest always ends up contested and reviewed. The decision comes
back through the `penalties_decide_contest` handler (apply_decision below).
"""
import logging

from sqlalchemy import select

from engine import InvalidVariables, NotFound, audit, clock

from . import defaults
from .errors import ContestRefused
from .models import Block, Infraction
from .service import correlate
from .status import ContestDecision, InfractionStatus

log = logging.getLogger(__name__)


def get_infraction(session, tenant, infraction_id):
    """The tenant's infraction, or NotFound."""
    found = session.get(Infraction, infraction_id)
    if found is None or found.tenant != tenant:
        raise NotFound(f"infraction {infraction_id} not found")
    return found


def list_infractions(session, tenant, customer_id):
    """A customer's infractions, newest first."""
    return list(session.scalars(select(Infraction).where(
        Infraction.tenant == tenant, Infraction.customer_id == customer_id)
        .order_by(Infraction.created_at.desc(), Infraction.id.desc())))


def contest_infraction(engine, tenant, infraction_id, actor, reason):
    """Open a review of an active infraction; ContestRefused (409) when it cannot be contested."""
    text = (reason or "").strip()
    if not text:
        raise InvalidVariables({"reason": "Say why the customer contests this infraction."})
    if len(text) > defaults.MAX_REASON_CHARS:
        raise InvalidVariables({"reason": f"Keep it under {defaults.MAX_REASON_CHARS} "
                                          "characters."})
    with engine.reading() as session:
        infraction = get_infraction(session, tenant, infraction_id)
        if infraction.status != InfractionStatus.ACTIVE:
            raise ContestRefused(f"This infraction is already {infraction.status}.")
        reference, kind = infraction.booking.reference, infraction.kind
        customer = infraction.customer.name
    # One engine transaction: the process receives the contest and queues its service task
    # "Mark the infraction contested" (outbox, run at least once) before the review opens.
    hits = correlate(engine, defaults.MESSAGE_CONTESTED, reference, tenant, {
        "infraction_id": infraction_id, "infraction_kind": kind, "customer_name": customer,
        "contest_reason": text, "contested_by": actor})
    if not hits:
        raise ContestRefused("This infraction can no longer be contested: its contest period "
                             "is over.")
    try:    # at once for the person contesting; the process's task does it if this fails
        with engine.transaction() as session:
            return record_contest(session, tenant, infraction_id, actor, text)
    except Exception:       # noqa: BLE001 - the contest is received; the process completes it
        log.exception("infraction %s: contest received, marking it is left to the process",
                      infraction_id)
        with engine.reading() as session:
            return get_infraction(session, tenant, infraction_id)


def record_contest(session, tenant, infraction_id, actor, reason):
    """Mark an active infraction contested, with its audit event; a no-op when already done."""
    infraction = get_infraction(session, tenant, infraction_id)
    if infraction.status != InfractionStatus.ACTIVE:
        return infraction
    infraction.status = InfractionStatus.CONTESTED
    infraction.contest_reason, infraction.contested_by = reason, actor
    infraction.contested_at = clock.now()
    audit.record(session, tenant, "infraction_contested", actor=actor,
                 infraction=infraction.id, reason=reason)
    session.flush()
    return infraction


def final_decision(review_decision, supervisor_decision=None):
    """The decision that counts: the supervisor's when the reviewer could not decide."""
    if review_decision == ContestDecision.UNDECIDED:
        return ContestDecision(supervisor_decision)
    return ContestDecision(review_decision)


def apply_decision(session, tenant, infraction_id, decision, actor, note=None):
    """Uphold or cancel a contested infraction; a cancelled major's block is lifted. Idempotent."""
    infraction = get_infraction(session, tenant, infraction_id)
    if infraction.status != InfractionStatus.CONTESTED:
        return infraction            # decided already (a job run twice)
    now = clock.now()
    upheld = decision == ContestDecision.UPHOLD
    infraction.status = InfractionStatus.UPHELD if upheld else InfractionStatus.CANCELLED
    infraction.decided_at, infraction.decided_by, infraction.decision_note = now, actor, note
    audit.record(session, tenant, "infraction_upheld" if upheld else "infraction_cancelled",
                 actor=actor, infraction=infraction.id, note=note)
    if not upheld:
        block = session.scalar(select(Block).where(Block.infraction_id == infraction.id))
        if block is not None and block.lifted_at is None:
            block.lifted_at, block.lifted_by = now, actor
            audit.record(session, tenant, "customer_unblocked", actor=actor, block=block.id,
                         customer=block.customer_id, infraction=infraction.id)
    session.flush()
    return infraction

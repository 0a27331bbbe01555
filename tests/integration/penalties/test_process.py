"""library/cancellation_penalty.bpmn on the real engine, frozen clock and a real SMTP server:
no-show timer, check-in racing it, cancellations, blocks deleting bookings, contests."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import AuditEvent
from processes.bookings.models import Booking
from processes.penalties import contest, service
from processes.penalties.errors import (CancellationRefused, CheckInRefused,
                                        CustomerBlocked)
from processes.penalties.models import Block, Infraction, PenaltyNotice

from .conftest import TENANT, local


def process_of(world, booking_id):
    """The booking's cancellation_penalty instance."""
    reference = world.booking(booking_id).reference
    found = [i for i in world.eng.instances(TENANT, limit=500) if i.business_key == reference]
    assert len(found) == 1
    return found[0]


def infractions(world, customer_id):
    """(kind, cause, status) of a customer's infractions, oldest first."""
    with world.session() as session:
        rows = session.scalars(select(Infraction).where(Infraction.customer_id == customer_id)
                               .order_by(Infraction.id))
        return [(i.kind, i.cause, i.status) for i in rows]


def mails(smtp):
    """(recipient, subject) of every mail the server accepted."""
    return [(rcpt[0], mail["Subject"]) for rcpt, mail in smtp.inbox.received]


def audit_kinds(world):
    """Kinds of the tenant's audit events, in order."""
    with world.session() as session:
        return list(session.scalars(select(AuditEvent.kind).where(AuditEvent.tenant == TENANT)
                                    .order_by(AuditEvent.id)))


def open_task(world, booking_id):
    """The single open human task of the booking's process."""
    tasks = [t for t in world.eng.instance_tasks(process_of(world, booking_id).id)
             if t.status == "open"]
    assert len(tasks) == 1
    return tasks[0]


# -- No-show ---------------------------------------------------------------------------------

def test_no_check_in_by_start_plus_grace_is_a_major_infraction(world, clock, smtp):
    """At start + 15 min without check-in the timer records a no-show: major, block, e-mail."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:14:59"))
    world.run()
    assert infractions(world, world.alice) == []
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    assert infractions(world, world.alice) == [("major", "no_show", "active")]
    assert world.booking(booking_id).status == "no_show"
    with world.session() as session:
        block = session.scalar(select(Block))
        assert (block.starts_at, block.ends_at) == (local("2026-03-02 18:15"),
                                                    local("2026-03-09 18:15"))
    assert mails(smtp) == [("alice@example.test",
                            "Major infraction: bookings blocked until Mon 9 Mar 2026, 18:15 CET")]
    body = smtp.inbox.received[0][1].get_content()
    assert "No check-in by Mon 2 Mar 2026, 18:15 CET" in body
    assert process_of(world, booking_id).status == "running"     # contest period open
    assert {"infraction_recorded", "customer_blocked"} <= set(audit_kinds(world))


def test_check_in_before_the_deadline_ends_the_process_without_infraction(world, clock):
    """Checked in at 18:10: the process ends at once and the no-show timer never fires."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:10"))
    service.check_in_booking(world.eng, TENANT, booking_id, "agent")
    assert process_of(world, booking_id).status == "completed"
    clock.move_to(local("2026-03-02 19:00"))
    world.run()
    assert infractions(world, world.alice) == []
    assert world.booking(booking_id).status == "checked_in"


def test_check_in_racing_the_no_show_timer_records_no_infraction(world, clock, smtp):
    """Timer fired but its job not yet run when a check-in commits: the handler re-checks."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:15"))
    assert world.eng.fire_due_timers() == 1                    # the job waits in the outbox
    clock.move_to(local("2026-03-02 18:14:59"))                 # the check-in's own "now"
    service.check_in_booking(world.eng, TENANT, booking_id, "agent")
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    assert infractions(world, world.alice) == []
    assert world.booking(booking_id).status == "checked_in"
    instance = process_of(world, booking_id)
    assert instance.status == "completed"
    assert world.eng.instance(instance.id).variables["no_show_outcome"] == "checked_in"
    assert smtp.inbox.received == []


def test_check_in_after_the_no_show_is_refused(world, clock):
    """Once the no-show is recorded, a late check-in answers with the reason, nothing changes."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    with pytest.raises(CheckInRefused, match="no-show"):
        service.check_in_booking(world.eng, TENANT, booking_id, "agent")
    assert infractions(world, world.alice) == [("major", "no_show", "active")]


def test_no_show_handler_run_twice_records_one_infraction(world, clock):
    """Handlers are idempotent: the same job's handler run again finds the infraction."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:15"))
    world.eng.fire_due_timers()
    handler = world.eng.services.get("penalties_record_no_show")
    from engine import ServiceCall
    call = ServiceCall(job_id=1, attempt=1, tenant=TENANT, instance_id=process_of(
        world, booking_id).id, business_key=None, task_name="penalties_record_no_show",
        variables={"booking_id": booking_id})
    first, second = handler(call), handler(call)
    assert first == second and first["has_infraction"]
    world.run()
    assert infractions(world, world.alice) == [("major", "no_show", "active")]


# -- Cancellations ---------------------------------------------------------------------------

def test_cancel_inside_the_window_is_free_and_ends_the_process(world, clock, smtp):
    """Cancelled at 08:00 (window 07:00-09:00): no infraction, no e-mail, process completed."""
    clock.move_to(local("2026-03-02 07:00"))
    booking_id = world.book("2026-03-03 18:00")
    clock.move_to(local("2026-03-02 08:00"))
    outcome = service.cancel_booking(world.eng, TENANT, booking_id, "agent")
    assert (outcome.status, outcome.infraction_kind) == ("cancelled", None)
    world.run()
    assert process_of(world, booking_id).status == "completed"
    assert infractions(world, world.alice) == [] and smtp.inbox.received == []


def test_cancel_outside_the_window_is_a_minor_infraction_with_an_e_mail(world, clock, smtp):
    """Cancelled at 12:00 for 18:00 (limit 16:00): a minor infraction and its e-mail."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 12:00"))
    outcome = service.cancel_booking(world.eng, TENANT, booking_id, "agent")
    assert outcome.infraction_kind == "minor"
    world.run()
    assert infractions(world, world.alice) == [("minor", "late_cancellation", "active")]
    assert mails(smtp) == [("alice@example.test", f"Minor infraction for booking "
                                                  f"{outcome.reference}")]
    assert "Alice Martin" in smtp.inbox.received[0][1].get_content()


def test_cancel_after_the_limit_is_refused_and_changes_nothing(world, clock):
    """At 16:00 for 18:00 (2 h limit) the cancellation is refused with the reason."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 16:00"))
    with pytest.raises(CancellationRefused, match="Too late to cancel"):
        service.cancel_booking(world.eng, TENANT, booking_id, "agent")
    assert world.booking(booking_id).status == "confirmed"
    assert process_of(world, booking_id).status == "running"


def test_admin_cancellation_is_never_penalised(world, clock):
    """Staff cancel outside the window and after the limit: no infraction, audited as staff."""
    first, second = world.book("2026-03-02 18:00"), world.book("2026-03-02 19:00")
    clock.move_to(local("2026-03-02 12:00"))
    service.cancel_booking(world.eng, TENANT, first, "admin", by_staff=True, note="lift broken")
    clock.move_to(local("2026-03-02 18:30"))
    service.cancel_booking(world.eng, TENANT, second, "admin", by_staff=True, note="closure")
    world.run()
    assert infractions(world, world.alice) == []
    with world.session() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.kind == "booking_cancelled")).all()
        assert [(e.actor, e.payload["by_staff"], e.payload["note"]) for e in events] == [
            ("admin", True, "lift broken"), ("admin", True, "closure")]


# -- Escalation and blocks -------------------------------------------------------------------

def test_fourth_late_cancellation_is_major_and_deletes_bookings_in_the_block(world, clock, smtp):
    """With 3 minors held, the next late cancellation is major: block, deletions, e-mails."""
    clock.move_to(local("2026-03-02 06:00"))
    late = [world.book(f"2026-03-0{day} 18:00") for day in (2, 3, 4, 5)]
    inside = world.book("2026-03-06 08:00", kind="pre-booking")
    after = world.book("2026-03-20 08:00")
    other_customer = world.book("2026-03-06 08:00", customer=world.bob)
    clock.move_to(local("2026-03-02 12:00"))
    for booking_id in late[:3]:
        assert service.cancel_booking(world.eng, TENANT, booking_id, "agent").infraction_kind \
            == "minor"
    outcome = service.cancel_booking(world.eng, TENANT, late[3], "agent")
    assert (outcome.infraction_kind, outcome.escalated) == ("major", True)
    assert outcome.blocked_until == local("2026-03-09 12:00")
    assert outcome.deleted_references == (world.booking(inside).reference,)
    world.run()
    assert [world.booking(b).status for b in (inside, after, other_customer)] == [
        "deleted", "confirmed", "confirmed"]
    subjects = [s for _, s in mails(smtp)]
    assert subjects.count(f"Booking {world.booking(inside).reference} cancelled: bookings "
                          f"blocked") == 1
    assert sum(s.startswith("Major infraction") for s in subjects) == 1
    assert sum(s.startswith("Minor infraction") for s in subjects) == 3
    assert audit_kinds(world).count("booking_deleted_by_block") == 1
    assert process_of(world, inside).status == "completed"       # told by message
    with pytest.raises(CustomerBlocked) as refused:
        with world.session() as session:
            service.check_not_blocked(session, TENANT, world.alice, local("2026-03-20 08:00"),
                                      local("2026-03-20 18:00"))
    assert refused.value.until == local("2026-03-09 12:00")


def test_blocked_customer_may_book_again_after_the_block(world, clock):
    """A block forbids bookings while it lasts; from its end on they are accepted again."""
    world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    with world.session() as session:
        with pytest.raises(CustomerBlocked):
            service.check_not_blocked(session, TENANT, world.alice, local("2026-03-03 08:00"),
                                      local("2026-03-03 18:00"))
        service.check_not_blocked(session, TENANT, world.bob, local("2026-03-03 08:00"),
                                  local("2026-03-03 18:00"))
    clock.move_to(local("2026-03-09 18:15"))
    with world.session() as session:
        service.check_not_blocked(session, TENANT, world.alice, local("2026-03-10 08:00"),
                                  local("2026-03-10 18:00"))


def test_a_major_infraction_resets_the_minor_count(world, clock):
    """Minors count since the last major: after a no-show a late cancellation is minor again."""
    clock.move_to(local("2026-03-01 06:00"))
    for day in ("02", "03", "04"):
        booking_id = world.book(f"2026-03-{day} 18:00")
        service.cancel_booking(world.eng, TENANT, booking_id, "agent")   # 06:00: minor
    world.book("2026-03-01 09:00")
    clock.move_to(local("2026-03-01 09:15"))
    world.run()                                            # no-show: major
    clock.move_to(local("2026-03-20 06:00"))
    later = world.book("2026-03-21 18:00")
    assert service.cancel_booking(world.eng, TENANT, later, "agent").infraction_kind == "minor"


# -- Contest ---------------------------------------------------------------------------------

def late_cancellation(world, clock):
    """Alice cancels late; returns the booking id and the minor infraction's id."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 12:00"))
    outcome = service.cancel_booking(world.eng, TENANT, booking_id, "agent")
    world.run()
    return booking_id, outcome.infraction_id


def test_contest_opens_a_back_office_review_and_a_cancelled_infraction_no_longer_counts(
        world, clock):
    """The reviewer cancels the contested infraction: it is cancelled and counts no more."""
    booking_id, infraction_id = late_cancellation(world, clock)
    contest.contest_infraction(world.eng, TENANT, infraction_id, "agent", "I was ill")
    world.run()          # the process marks it contested, then opens the review
    task = open_task(world, booking_id)
    assert (task.name, task.candidate_groups) == ("Review contested infraction", ["back-office"])
    assert world.eng.instance(task.instance_id).variables["contest_reason"] == "I was ill"
    world.eng.complete(task.id, "agent", {"review_decision": "cancel",
                                          "review_note": "doctor's note"}, roles=["back-office"])
    world.run()
    assert infractions(world, world.alice) == [("minor", "late_cancellation", "cancelled")]
    assert process_of(world, booking_id).status == "completed"
    with world.session() as session:
        assert service.counting_minor_count(session, TENANT, world.alice) == 0
        decided = session.get(Infraction, infraction_id)
        assert (decided.decided_by, decided.decision_note) == ("agent", "doctor's note")


def test_reviewer_who_cannot_decide_escalates_to_a_supervisor(world, clock):
    """'Cannot decide' opens a supervisor task; the supervisor's decision is applied."""
    booking_id, infraction_id = late_cancellation(world, clock)
    contest.contest_infraction(world.eng, TENANT, infraction_id, "agent", "The app crashed")
    world.run()          # the process marks it contested, then opens the review
    review = open_task(world, booking_id)
    world.eng.complete(review.id, "agent", {"review_decision": "undecided"},
                       roles=["back-office"])
    task = open_task(world, booking_id)
    assert (task.name, task.candidate_groups) == ("Decide contested infraction", ["supervisor"])
    world.eng.complete(task.id, "supervisor", {"supervisor_decision": "uphold"},
                       roles=["supervisor"])
    world.run()
    assert infractions(world, world.alice) == [("minor", "late_cancellation", "upheld")]
    with world.session() as session:
        assert session.get(Infraction, infraction_id).decided_by == "supervisor"


def test_cancelled_major_infraction_lifts_its_block(world, clock):
    """A no-show cancelled on review lifts the block: the customer may book again."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    with world.session() as session:
        infraction_id = session.scalar(select(Infraction.id))
    contest.contest_infraction(world.eng, TENANT, infraction_id, "agent", "Gate was broken")
    world.run()          # the process marks it contested, then opens the review
    world.eng.complete(open_task(world, booking_id).id, "agent", {"review_decision": "cancel"},
                       roles=["back-office"])
    world.run()
    with world.session() as session:
        assert session.scalar(select(Block.lifted_by)) == "agent"
        service.check_not_blocked(session, TENANT, world.alice, local("2026-03-03 08:00"),
                                  local("2026-03-03 18:00"))


def test_an_infraction_is_contested_once_and_only_within_the_contest_period(world, clock):
    """A second contest is refused; after 30 days the contest period is over."""
    _, infraction_id = late_cancellation(world, clock)
    contest.contest_infraction(world.eng, TENANT, infraction_id, "agent", "first")
    with pytest.raises(Exception, match="already contested"):
        contest.contest_infraction(world.eng, TENANT, infraction_id, "agent", "again")
    other, other_infraction = late_cancellation(world, clock)
    clock.shift(timedelta(days=30))
    world.run()
    with pytest.raises(Exception, match="contest period is over"):
        contest.contest_infraction(world.eng, TENANT, other_infraction, "agent", "late")
    assert infractions(world, world.alice)[-1] == ("minor", "late_cancellation", "active")


def test_deleted_booking_notice_and_audit_per_booking(world, clock, smtp):
    """Each booking a block deletes gets its own e-mail and audit event."""
    clock.move_to(local("2026-03-02 06:00"))
    no_show = world.book("2026-03-02 09:00")
    victims = [world.book(f"2026-03-0{day} 08:00") for day in (3, 4, 5)]
    clock.move_to(local("2026-03-02 09:15"))
    world.run()
    assert [world.booking(v).status for v in victims] == ["deleted"] * 3
    with world.session() as session:
        notices = session.scalars(select(PenaltyNotice).where(
            PenaltyNotice.kind == "booking_deleted")).all()
        assert sorted(n.booking_id for n in notices) == victims
        assert {n.status for n in notices} == {"sent"}
        deleted = session.scalars(select(Booking.cancelled_by).where(
            Booking.status == "deleted")).all()
        assert deleted == ["system"] * 3
    assert audit_kinds(world).count("booking_deleted_by_block") == 3
    assert len(smtp.inbox.received) == 4
    assert world.booking(no_show).status == "no_show"

"""What the booking's process must hear even when something fails right after a commit
(review of issue #4): a cancellation's infraction is still e-mailed and contestable, and a
received contest is always marked contested and reviewed."""
from sqlalchemy import select

from engine import AuditEvent, HumanTask
from processes.penalties import contest, service
from processes.penalties.models import Infraction, PenaltyNotice

from .conftest import TENANT, local


def fail(*_args, **_kwargs):
    """What a crash right after the commit looks like to the code that came next."""
    raise RuntimeError("connection lost right after the commit")


def infraction_status(world, infraction_id):
    """The infraction's status as stored."""
    with world.session() as session:
        return session.get(Infraction, infraction_id).status


def open_task_names(world):
    """Names of the tenant's open human tasks."""
    with world.session() as session:
        return list(session.scalars(select(HumanTask.name).where(
            HumanTask.tenant == TENANT, HumanTask.status == "open")))


def test_a_late_cancellation_whose_message_was_lost_is_still_e_mailed_and_contestable(
        world, clock, smtp, monkeypatch):
    """The cancellation commits, telling its process fails: the cancel still succeeds for the
    user, and at the booking's no-show time the process takes up the minor infraction."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 12:00"))
    with monkeypatch.context() as patched:
        patched.setattr(service, "correlate", fail)
        outcome = service.cancel_booking(world.eng, TENANT, booking_id, "agent")
    assert (outcome.status, outcome.infraction_kind) == ("cancelled", "minor")
    world.run()
    with world.session() as session:
        assert session.scalar(select(PenaltyNotice.status)) == "pending"   # not heard yet
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    assert [mail["Subject"] for _, mail in smtp.inbox.received] == [
        f"Minor infraction for booking {outcome.reference}"]
    assert world.booking(booking_id).status == "cancelled"                 # not a no-show
    assert infraction_status(world, outcome.infraction_id) == "active"
    contest.contest_infraction(world.eng, TENANT, outcome.infraction_id, "agent", "Train")
    world.run()
    assert open_task_names(world) == ["Review contested infraction"]


def test_a_received_contest_is_marked_contested_even_if_the_write_after_it_fails(
        world, clock, monkeypatch):
    """Contest delivered, marking it fails right after: the process's own task marks it
    contested before the review opens, and the reviewer's decision is applied."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 12:00"))
    infraction_id = service.cancel_booking(world.eng, TENANT, booking_id, "agent").infraction_id
    world.run()
    with monkeypatch.context() as patched:
        patched.setattr(contest, "record_contest", fail)
        contest.contest_infraction(world.eng, TENANT, infraction_id, "agent", "I was ill")
    assert infraction_status(world, infraction_id) == "active"
    world.run()
    assert infraction_status(world, infraction_id) == "contested"
    with world.session() as session:
        contested = session.get(Infraction, infraction_id)
        assert (contested.contest_reason, contested.contested_by) == ("I was ill", "agent")
    [task] = world.eng.open_tasks(TENANT, roles=["back-office"])
    assert task.name == "Review contested infraction"
    world.eng.complete(task.id, "agent", {"review_decision": "cancel"}, roles=["back-office"])
    world.run()
    assert infraction_status(world, infraction_id) == "cancelled"


def test_a_contest_is_recorded_once_however_often_the_process_task_runs(world, clock):
    """Marking contested is idempotent: the inline write and the process's task make one
    audit event, and the review sees the reason given."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 12:00"))
    infraction_id = service.cancel_booking(world.eng, TENANT, booking_id, "agent").infraction_id
    world.run()
    contest.contest_infraction(world.eng, TENANT, infraction_id, "agent", "I was ill")
    world.run()
    with world.session() as session:
        kinds = list(session.scalars(select(AuditEvent.kind).where(
            AuditEvent.kind == "infraction_contested")))
    assert kinds == ["infraction_contested"]

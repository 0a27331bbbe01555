"""Demo occurrences for `make run`: the default types and statuses, and ~15 occurrences on the
demo bookings in every stage of their lifecycle (so the basket holds OCC tasks)."""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine import Engine, Job, JobStatus, ServiceRegistry

from . import catalogue, lifecycle, recording
from .models import Occurrence

ACTOR = "agent"
# (type, hours ago, stage, with a booking?, description, values)
CASES = (
    ("Damage", 2, "created", True, "Fresh scratch on the rear bumper noticed at check-in.",
     {"location": ["Rear"], "damage_type": "Scratch", "pre_existing": False}),
    ("Damage", 70, "created", True, "Dent on the driver's door; customer says it happened here.",
     {"location": ["Left side"], "damage_type": "Dent", "pre_existing": False}),
    ("Damage", 30, "pending", True, "Cracked side mirror found during the evening round.",
     {"location": ["Right side"], "damage_type": "Broken mirror", "pre_existing": True}),
    ("Damage", 120, "closed", True, "Broken rear window; police report attached by customer.",
     {"location": ["Rear", "Windows"], "damage_type": "Broken glass", "pre_existing": False}),
    ("Complaint", 5, "created", True, "Customer waited 25 minutes at the exit barrier.",
     {"category": "Wait time", "customer_contact": "+32 470 12 34 56"}),
    ("Complaint", 100, "pending", False, "Stairwell B was dirty all weekend.",
     {"category": "Cleanliness", "customer_contact": "lena.maes@example.org"}),
    ("Complaint", 50, "resolved", True, "Charged the day rate for a two-hour stay.",
     {"category": "Pricing", "customer_contact": "tom.de.smet@example.org"}),
    ("Complaint", 200, "closed", True, "Attendant was rude when asked for a receipt.",
     {"category": "Staff behaviour", "customer_contact": "+32 486 55 44 33"}),
    ("Vehicle issue", 1, "created", True, "Flat rear tyre on arrival; customer asks for help.",
     {"issue_type": "Flat tire", "action_taken": ""}),
    ("Vehicle issue", 8, "pending", True, "Car will not start on level -2.",
     {"issue_type": "Dead battery", "action_taken": "Jump-start offered; customer waiting"}),
    ("Vehicle issue", 20, "closed", True, "Keys locked inside the car.",
     {"issue_type": "Locked out", "action_taken": "Locksmith called, car opened"}),
    ("Vehicle issue", 3, "resolved", False, "Oil stain spreading under bay 114.",
     {"issue_type": "Fluid leak", "action_taken": "Absorbent laid, owner informed"}),
    ("Payment dispute", 10, "created", True, "Customer says they were charged twice.", {}),
    ("Payment dispute", 140, "pending", True, "Card refused at exit but amount was debited.", {}),
    ("Payment dispute", 300, "closed", True, "Refund asked for an unused pre-booking.", {}),
)
STEPS = {"created": 0, "pending": 1, "resolved": 3, "closed": 4}
TASK_INPUT = (
    ("agent", {"assignee": "agent", "triage_note": "Taking this one."}),
    ("agent", {"findings": "Checked the camera footage and the booking log."}),
    ("agent", {"resolution": "Explained the outcome to the customer by phone."}),
    ("supervisor", {"close_note": "Checked and closed."}),
)


def seed(session, tenant_key):
    """Create the demo occurrences unless the tenant has some already; a one-line summary."""
    from processes.bookings.models import Booking, Site

    catalogue.ensure_defaults(session, tenant_key)
    if session.scalar(select(func.count()).select_from(Occurrence)
                      .where(Occurrence.tenant == tenant_key)):
        session.commit()
        return None
    sites = list(session.scalars(select(Site).where(Site.tenant == tenant_key).order_by(Site.id)))
    if not sites:
        session.commit()
        return "Occurrences demo: default types and statuses (no sites, so no occurrences)."
    bookings = list(session.scalars(select(Booking).where(Booking.tenant == tenant_key)
                                    .order_by(Booking.starts_at.desc()).limit(40)))
    kinds = {k.name: k.id for k in catalogue.types(session, tenant_key)}
    made = [_create(session, tenant_key, i, case, sites, bookings, kinds)
            for i, case in enumerate(CASES)]
    session.commit()
    eng = _engine(session)
    lifecycle.ensure_deployed(eng, tenant_key)
    for occurrence_id, stage in made:
        _advance(eng, occurrence_id, STEPS[stage])
    return (f"Occurrences demo: default types and statuses, {len(made)} occurrences "
            f"(OCC tasks in the basket).")


def _create(session, tenant, index, case, sites, bookings, kinds):
    type_name, hours_ago, stage, on_booking, description, values = case
    booking = bookings[(index * 3) % len(bookings)] if on_booking and bookings else None
    site = None if booking else sites[index % len(sites)]
    occurrence = recording.create_occurrence(
        session, tenant, ACTOR, kinds[type_name], description, values,
        site_id=site.id if site else None, booking_id=booking.id if booking else None)
    # Demo history: reported some hours ago, so some are overdue already.
    shift = timedelta(hours=hours_ago)
    occurrence.created_at -= shift
    occurrence.updated_at = occurrence.created_at
    occurrence.deadline_at -= shift
    return occurrence.id, stage


def _engine(session):
    """An Engine on the seeding database with the occurrence handlers (for the demo's steps)."""
    bind = session.get_bind()
    registry = ServiceRegistry()
    for name, handler in lifecycle.make_handlers(sessionmaker(bind=bind)).items():
        registry.add(name, handler)
    return Engine(bind, services=registry)


def _advance(eng, occurrence_id, steps):
    """Start the occurrence's process and complete its first `steps` tasks."""
    instance_id = lifecycle.start_process(eng, occurrence_id, ACTOR)
    for actor, variables in TASK_INPUT[:steps]:
        task = next(t for t in eng.instance_tasks(instance_id) if t.status == "open")
        eng.complete(task.id, actor, variables)
        _run_jobs(eng, instance_id)


def _run_jobs(eng, instance_id):
    with eng.reading() as session:
        ids = list(session.scalars(select(Job.id).where(Job.instance_id == instance_id,
                                                        Job.status == JobStatus.PENDING)))
    for job_id in ids:
        eng.run_job(job_id)

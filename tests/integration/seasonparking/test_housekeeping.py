"""The nightly housekeeping (library/season_housekeeping.bpmn) and waking the waitlist, with
the real engine, the real diagrams and the frozen clock (T0 = Monday 2 March 2026, 10:00 in
Brussels)."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import ProcessInstance
from processes.access import LocalAccessControl
from processes.seasonparking.housekeeping import ensure_scheduled, next_night, run_time
from processes.seasonparking.models import Contract
from processes.seasonparking.waitlist import wake_waitlist

from .conftest import LIBRARY, TENANT, drive, open_task, reload
from .test_onboarding import accept_documents

NIGHT = datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)     # 03:00 in Brussels (CET)


@pytest.fixture
def nightly(eng):
    """The engine with season_housekeeping deployed beside the onboarding."""
    path = LIBRARY / "season_housekeeping.bpmn"
    eng.deploy(path.read_bytes(), path.name, TENANT, actor="designer")
    return eng


def housekeeping(eng):
    """(business key, status) of the tenant's housekeeping instances, oldest first."""
    with eng.reading() as session:
        return [(i.business_key, i.status) for i in session.scalars(
            select(ProcessInstance).where(ProcessInstance.process_key == "season_housekeeping")
            .order_by(ProcessInstance.id))]


def full_site(apply, eng, session):
    """Both season places taken by onboarded contracts, two applications waitlisted."""
    first, second = apply(email="a@x.test"), apply(email="b@x.test", plates=("1-ABD-234",))
    drive(eng)
    for held in (first, second):
        accept_documents(eng, held)
    third = apply(email="c@x.test", plates=("1-ABE-234",))
    fourth = apply(email="d@x.test", plates=("1-ABF-234",))
    drive(eng)
    assert [reload(session, a).status for a in (third, fourth)] == ["waitlisted"] * 2
    return first, third, fourth


@pytest.mark.parametrize("now, night, starts_at", [
    ("2026-03-02T09:00+00:00", date(2026, 3, 3), "2026-03-03T02:00:00+00:00"),
    ("2026-03-02T01:59+00:00", date(2026, 3, 2), "2026-03-02T02:00:00+00:00"),
    ("2026-03-02T02:00+00:00", date(2026, 3, 3), "2026-03-03T02:00:00+00:00"),   # half-open
    ("2026-03-28T12:00+00:00", date(2026, 3, 29), "2026-03-29T01:00:00+00:00"),  # to summer
    ("2026-10-24T12:00+00:00", date(2026, 10, 25), "2026-10-25T02:00:00+00:00"),  # to winter
])
def test_the_housekeeping_runs_at_three_in_the_morning_local_time_across_dst(
        now, night, starts_at):
    """03:00 Brussels time is the next run, whatever the offset that night."""
    assert next_night("Europe/Brussels", datetime.fromisoformat(now)) == night
    assert run_time(night, "Europe/Brussels").isoformat() == starts_at


def test_one_instance_waits_per_night_and_each_night_schedules_the_next(nightly, clock):
    """Scheduling twice keeps one waiting night; at 03:00 it runs and the next night waits."""
    assert ensure_scheduled(nightly, TENANT) is not None
    assert ensure_scheduled(nightly, TENANT) is None
    assert housekeeping(nightly) == [("season-housekeeping-2026-03-03", "running")]
    clock.move_to(NIGHT - timedelta(seconds=1))
    assert nightly.fire_due_timers() == 0
    clock.move_to(NIGHT)
    assert nightly.fire_due_timers() == 1
    drive(nightly)
    assert housekeeping(nightly) == [("season-housekeeping-2026-03-03", "completed"),
                                     ("season-housekeeping-2026-03-04", "running")]
    assert nightly.incidents(TENANT) == []


def test_the_night_after_the_last_day_ends_the_contract_revokes_access_and_wakes_the_first(
        apply, nightly, session, clock):
    """Last day 2 March: at 03:00 on the 3rd the contract ends, its plate is refused and the
    first waitlisted application gets the place (the second keeps waiting)."""
    first, third, fourth = full_site(apply, nightly, session)
    contract = session.get(Contract, reload(session, first).contract_id)
    contract.ends_on = date(2026, 3, 2)
    session.commit()
    assert ensure_scheduled(nightly, TENANT) is not None
    clock.move_to(NIGHT)
    assert nightly.fire_due_timers() == 1          # the waitlist's daily re-checks are later
    drive(nightly)
    session.rollback()
    session.expire_all()
    assert session.get(Contract, contract.id).status == "terminated"
    access = LocalAccessControl(session)
    assert access.credentials(TENANT, contract.number) == []
    assert not access.allows(TENANT, contract.site_id, "plate", "1ABC234", date(2026, 3, 3))
    assert [reload(session, a).status for a in (third, fourth)] == ["in_review", "waitlisted"]
    assert open_task(nightly, third, "Check documents")
    assert nightly.incidents(TENANT) == []


def test_a_refused_application_offers_its_place_to_the_waitlist_at_once(apply, eng, session):
    """Documents refused: the place it held goes to the first waitlisted application."""
    holding = apply(email="a@x.test")
    apply(email="b@x.test", plates=("1-ABD-234",))
    waiting = apply(email="c@x.test", plates=("1-ABE-234",))
    drive(eng)
    assert reload(session, waiting).status == "waitlisted"
    task = open_task(eng, holding, "Check documents")
    eng.complete(task.id, "agent", {"document_decision": "reject"})
    drive(eng)
    assert reload(session, holding).status == "refused"
    assert reload(session, waiting).status == "in_review"
    assert open_task(eng, waiting, "Check documents")


def test_a_wake_up_after_an_overdue_recheck_opens_one_document_check(
        apply, eng, session, clock, site):
    """Regression: two months without the runner, then a place frees and the waitlist is told
    while the daily re-check is long due: one "Check documents", not two."""
    apply(email="a@x.test"), apply(email="b@x.test", plates=("1-ABD-234",))
    waiting = apply(email="c@x.test", plates=("1-ABE-234",))
    drive(eng)
    clock.shift(timedelta(days=61))
    site.capacity = 6
    session.merge(site)
    session.commit()
    session.rollback()
    wake_waitlist(eng, session, TENANT, site.id)
    eng.fire_due_timers()
    drive(eng)
    assert reload(session, waiting).status == "in_review"
    assert open_task(eng, waiting, "Check documents")

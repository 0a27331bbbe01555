"""The demo seeder: defaults plus ~15 occurrences in every stage, OCC tasks in the basket."""
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.demo import SEEDERS
from processes.occurrences import demo
from processes.occurrences.models import Occurrence


def test_demo_seeds_occurrences_across_statuses_once(domain_eng, domain_place):
    """15 occurrences in Created, Pending, Resolved and Closed; a second run adds nothing."""
    with Session(domain_eng.db_engine) as session:
        assert "15 occurrences" in demo.seed(session, "demo")
        session.commit()
    with Session(domain_eng.db_engine) as session:
        assert demo.seed(session, "demo") is None
        rows = list(session.scalars(select(Occurrence).where(Occurrence.tenant == "demo")))
        statuses = Counter(o.status.name for o in rows)
    assert len(rows) == 15
    assert statuses == {"Created": 5, "Pending": 4, "Resolved": 2, "Closed": 4}
    for occurrence in rows:
        tasks = [t for t in domain_eng.instance_tasks(occurrence.instance_id)
                 if t.status == "open"]
        assert [t.business_key for t in tasks] == (
            [] if occurrence.status.name == "Closed" else [occurrence.reference])
    queue = domain_eng.open_tasks("demo", roles=["back-office"], limit=100)
    assert len(queue) == 5 and all(t.business_key.startswith("OCC-") for t in queue)


def test_the_occurrence_seeder_runs_after_the_bookings_seeder():
    """Occurrences hang on the demo bookings."""
    assert SEEDERS.index("processes.occurrences.demo:seed") > \
        SEEDERS.index("processes.bookings.demo:seed")

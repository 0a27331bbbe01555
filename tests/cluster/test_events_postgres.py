"""Timer start events and signal broadcasts on a real PostgreSQL (READ COMMITTED): a due
scheduled start happens once however many runners race for it, and a broadcast reaches every
waiting instance. An own database, so the cluster tests' tables are left alone."""
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine

from engine import Engine, make_db_engine
from tests.cluster.databases import own_database

BPMN = Path(__file__).resolve().parents[1] / "data" / "bpmn"
TENANT = "events"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
RUNNERS = 4


@pytest.fixture(scope="module")
def pg_url(servers):
    return own_database(servers, "engineevents")


def test_racing_runners_start_a_due_occurrence_once(pg_url):
    with time_machine.travel(T0, tick=False) as clock:
        engines = [Engine(make_db_engine(pg_url)) for _ in range(RUNNERS)]
        try:
            engines[0].deploy((BPMN / "nightly_check.bpmn").read_bytes(), "nightly_check.bpmn",
                              TENANT, actor="designer")
            clock.move_to(T0.replace(hour=22))
            barrier, started = threading.Barrier(RUNNERS), []

            def run(engine):
                barrier.wait()
                started.append(engine.start_scheduled())
            threads = [threading.Thread(target=run, args=(e,)) for e in engines]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(started) == [0] * (RUNNERS - 1) + [1]
            nightly = [i for i in engines[0].instances(TENANT)
                       if i.process_key == "nightly_check"]
            assert len(nightly) == 1
            clock.move_to(T0 + timedelta(days=2))
            assert engines[1].start_scheduled() == 0
        finally:
            for engine in engines:
                engine.db_engine.dispose()


def test_broadcast_reaches_every_waiting_instance(pg_url):
    with time_machine.travel(T0, tick=False):
        eng = Engine(make_db_engine(pg_url))
        try:
            eng.deploy((BPMN / "car_park_closed_listeners.bpmn").read_bytes(),
                       "car_park_closed_listeners.bpmn", TENANT, actor="designer")
            notices = [eng.start("season_notice", f"PG-{n}", tenant=TENANT) for n in range(3)]
            assert eng.broadcast_signal("car-park-closed", TENANT) == 4
            for iid in notices:
                assert [t.name for t in eng.instance_tasks(iid)] == [
                    "Tell parker about the closure"]
        finally:
            eng.db_engine.dispose()

"""The embedded runner thread, on a real engine and SQLite file."""
import logging
import threading

import pytest

from engine import Base, Engine, ServiceRegistry, make_db_engine
from tasks.runner import EmbeddedRunner

JOIN_TIMEOUT_S = 5.0


@pytest.fixture
def make_engine(tmp_path):
    """Factory: a ParkOps Engine on a fresh SQLite file, with or without its tables."""
    db_engines = []

    def make(with_tables=True):
        db_engine = make_db_engine(f"sqlite:///{tmp_path / 'runner.db'}")
        db_engines.append(db_engine)
        if with_tables:
            Base.metadata.create_all(db_engine)
        return Engine(db_engine, services=ServiceRegistry())

    yield make
    for db_engine in db_engines:
        db_engine.dispose()


def _wait_for(condition, timeout=JOIN_TIMEOUT_S):
    """Poll `condition` until true or timeout; the runner lives in another thread."""
    tick = threading.Event()
    waited = 0.0
    while not condition() and waited < timeout:
        tick.wait(0.01)
        waited += 0.01
    return condition()


def test_run_once_on_an_idle_engine_does_nothing(make_engine):
    """With nothing due, one round fires no timer and runs no job."""
    assert EmbeddedRunner(make_engine()).run_once() == (0, 0)


def test_start_then_stop_ends_the_thread(make_engine):
    """start() runs a daemon thread; stop() ends it within the join timeout."""
    runner = EmbeddedRunner(make_engine(), poll_s=0.01)
    runner.start()
    assert runner.running
    assert runner._thread.daemon
    assert runner.stop(timeout=JOIN_TIMEOUT_S)
    assert not runner.running


def test_start_twice_keeps_one_thread(make_engine):
    """A second start() while running does not start a second thread."""
    runner = EmbeddedRunner(make_engine(), poll_s=0.01)
    runner.start()
    first = runner._thread
    runner.start()
    assert runner._thread is first
    assert runner.stop(timeout=JOIN_TIMEOUT_S)


def test_failures_are_logged_and_the_thread_survives(make_engine, caplog):
    """When the engine raises (here: no tables), both steps log an error and polling goes on."""
    caplog.set_level(logging.ERROR, logger="tasks.runner")
    runner = EmbeddedRunner(make_engine(with_tables=False), poll_s=0.01)
    runner.start()
    try:
        def failed(step):
            return any(f"{step} failed" in r.getMessage() and r.exc_info for r in caplog.records)

        assert _wait_for(lambda: failed("fire_due_timers") and failed("run_due_jobs"))
        assert runner.running
    finally:
        assert runner.stop(timeout=JOIN_TIMEOUT_S)

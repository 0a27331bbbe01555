"""The scheduler: one loop that moves due timers and outbox rows to RQ, starts the instances
whose timer start event is due, escalates overdue tasks and sweeps lost hand-offs. Run it as `flask --app wsgi scheduler`.

Several schedulers (on several machines) may run at once: claims are taken with
FOR UPDATE SKIP LOCKED and a hand-off exists at most once, so nothing fires twice.
"""
import logging
import signal
import threading
import time

from . import defaults
from .queue import parkops_queue
from .relay import Relay
from .sweeper import sweep

log = logging.getLogger(__name__)


class Scheduler:
    """Relay + escalation + sweeper over `engine`, handing work to Redis `connection`."""

    def __init__(self, engine, connection, poll_s=defaults.SCHEDULER_POLL_S,
                 sweep_every_s=defaults.SWEEP_EVERY_S):
        self.engine = engine
        self.connection = connection
        self.relay = Relay(engine, parkops_queue(connection))
        self.poll_s = poll_s
        self.sweep_every_s = sweep_every_s
        self._next_sweep = 0.0
        self._stopping = threading.Event()

    def run_once(self):
        """One round; returns how many timers, escalations and jobs it handed over."""
        done = self._step("timers", self.relay.relay_timers)
        # Rare and each one transaction guarded by its due time: started here, not via RQ.
        done += self._step("start timers", self.engine.start_scheduled,
                           limit=defaults.START_TIMER_BATCH)
        done += self._step("escalation", self.engine.escalate_overdue,
                           limit=defaults.ESCALATION_BATCH)
        done += self._step("jobs", self.relay.relay_jobs)
        if time.monotonic() >= self._next_sweep:
            self._step("sweep", lambda: sum(sweep(self.engine, self.connection)))
            self._next_sweep = time.monotonic() + self.sweep_every_s
        return done

    def _step(self, name, call, **kwargs):
        # One failing step (database or Redis away) must not stop the others nor the loop.
        try:
            return call(**kwargs)
        except Exception:   # database or Redis away: the work stays in the database
            log.exception("scheduler: %s failed; retrying next round", name)
            return 0

    def run(self):
        """Loop until SIGTERM/SIGINT or stop(); a busy round goes again without waiting."""
        log.info("scheduler started (poll %ss, queue %s)", self.poll_s, self.relay.queue.name)
        while not self._stopping.is_set():
            if not self.run_once():
                self._stopping.wait(self.poll_s)
        log.info("scheduler stopped")

    def stop(self):
        self._stopping.set()

    def stop_on_signals(self):
        """Finish the current round, then stop, on SIGTERM or SIGINT."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop())

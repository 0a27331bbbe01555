"""Embedded runner: one daemon thread that fires due timers and runs due jobs.

Used by the laptop deployment (SQLite, no Redis). Production runs the same engine calls from
RQ workers and a scheduler instead.
"""
import logging
import threading

from engine import defaults

log = logging.getLogger(__name__)


class EmbeddedRunner:
    """Calls `fire_due_timers()`, `start_scheduled()`, `escalate_overdue()` and `run_due_jobs()`
    on `engine` every `poll_s` seconds."""

    def __init__(self, engine, poll_s=defaults.RUNNER_POLL_S, name="parkops-runner"):
        self.engine = engine
        self.poll_s = poll_s
        self.name = name
        self._stopping = threading.Event()
        self._thread = None

    @property
    def running(self):
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self):
        """Start the thread; does nothing when it already runs."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout=10.0):
        """Ask the thread to finish its current round and wait for it; True once it ended."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def run_once(self):
        """One round: fire due timers, start scheduled instances (timer start events),
        escalate overdue tasks, run due jobs.

        Returns (timers fired + instances started + tasks escalated, jobs run).
        """
        fired = self._step("fire_due_timers", self.engine.fire_due_timers, defaults.TIMER_BATCH)
        fired += self._step("start_scheduled", self.engine.start_scheduled, defaults.TIMER_BATCH)
        fired += self._step("escalate_overdue", self.engine.escalate_overdue,
                            defaults.TIMER_BATCH)
        ran = self._step("run_due_jobs", self.engine.run_due_jobs, defaults.JOB_BATCH)
        return fired, ran

    def _step(self, name, call, batch):
        # One failing step must not starve the other nor kill the thread: log it loudly,
        # and try again next round (the engine leaves failed work in the database).
        try:
            return call(limit=batch)
        except Exception:
            log.exception("%s: %s failed; retrying in %ss", self.name, name, self.poll_s)
            return 0

    def _loop(self):
        log.info("%s: started, polling every %ss", self.name, self.poll_s)
        try:
            while not self._stopping.is_set():
                fired, ran = self.run_once()
                # A full batch means more is due: go again at once instead of sleeping.
                if fired < defaults.TIMER_BATCH and ran < defaults.JOB_BATCH:
                    self._stopping.wait(self.poll_s)
        finally:
            if self._stopping.is_set():
                log.info("%s: stopped", self.name)
            else:
                log.error("%s: thread ended unexpectedly; timers and jobs no longer run", self.name)

"""RQ job functions: run by `rq worker` processes, one per hand-off of claimed rows.

Each takes the ids of database rows and the token of their hand-off, takes the claim (a stale
duplicate does nothing), does the engine work while a heartbeat renews the lease, and releases
the claim whatever happened. Timers of a hand-off fire in one transaction (which also ends
the hand-off); should that fail, one transaction per instance, so a conflict or a broken
instance only holds back its own timer. Jobs run one engine transaction each. Running one
twice is safe: the engine's version lock and job status make the second a no-op.
"""
import logging
import os
import socket
import threading

from engine import claims
from engine.errors import StaleInstance
from engine.jobs import fire_instance, fire_instances

from . import context, defaults

log = logging.getLogger(__name__)


def fire_timers(instance_ids, token):
    """Fire the due timers of each instance."""
    _run(claims.TIMER, token, fire_instance, "instance_id", together=_fire_together)


def run_jobs(job_ids, token):
    """Run outbox jobs (service handlers, message deliveries, notifications)."""
    _run(claims.JOB, token, lambda engine, job_id: engine.run_job(job_id), "job_id")


def worker_name():
    """Who holds a claim: host and process id, so an operator can find it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _run(kind, token, work, id_field, together=None):
    engine = context.engine()
    refs = claims.take(engine, kind, token, worker_name(), defaults.RUNNING_LEASE_S)
    if not refs:
        log.info("%s hand-off %s is not current; skipped", kind, token)
        return
    heartbeat = Heartbeat(engine, kind, token)
    heartbeat.start()
    ended = False
    try:
        ended = together is not None and together(engine, refs, token)
        if not ended:
            for ref in refs:
                _work_one(engine, kind, ref, work, {id_field: ref})
    finally:
        heartbeat.stop()
        if not ended:
            claims.release(engine, kind, token)


def _fire_together(engine, refs, token):
    """Fire the whole hand-off in one transaction that also ends it; False when that failed
    (nothing of it was written) and the instances must go one by one."""
    if len(refs) < 2:
        return False
    try:
        fire_instances(engine, refs, hand_off=(claims.TIMER, token))
        return True
    except Exception as exc:    # a conflict or a broken instance: isolate it
        log.info("timers of %d instances could not fire together (%s: %s); one at a time",
                 len(refs), type(exc).__name__, exc)
        return False


def _work_one(engine, kind, ref, work, ids):
    try:
        work(engine, ref)
        log.info("%s %s done", kind, ref, extra=ids)
    except StaleInstance as exc:
        # Someone else wrote the instance (or holds its lock): what is still due is claimed
        # again by the next scheduler round.
        log.info("%s %s: %s", kind, ref, exc, extra=ids)
    except Exception:   # one broken row must not cost the others of the hand-off their turn
        log.exception("%s %s failed; it stays due and is handed over again", kind, ref,
                      extra=ids)


class Heartbeat:
    """Renews a running hand-off's lease every RENEW_EVERY_S until stopped."""

    def __init__(self, engine, kind, token):
        self.args = (engine, kind, token)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{token}", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(5)

    def _beat(self):
        while not self._stop.wait(defaults.RENEW_EVERY_S):
            try:
                if not claims.renew(*self.args, defaults.RUNNING_LEASE_S):
                    log.warning("%s hand-off %s was taken away while running", *self.args[1:])
                    return
            except Exception:   # a failed renewal is retried; the lease has slack for it
                log.exception("%s hand-off %s: lease renewal failed", *self.args[1:])

"""The sweeper: finds hand-offs whose worker died or whose RQ job the queue lost.

- a running hand-off whose lease lapsed: its worker stopped renewing it (killed, machine
  gone). A job counts a lost attempt (tried again at once; after the last, an incident);
  a timer is simply due again.
- a queued hand-off whose RQ job is missing from Redis (FLUSHALL, restart without
  persistence) or over without having run: forgotten, so the relay claims it afresh.
"""
import logging
from datetime import timedelta

from engine import claims, clock
from engine.jobs import record_lost

from . import defaults
from .queue import lost_tokens

log = logging.getLogger(__name__)


def sweep(engine, connection):
    """One pass; returns (lapsed hand-offs, lost hand-offs) found."""
    lapsed = claims.lapsed(engine, defaults.SWEEP_BATCH)
    for kind, ref, state, worker in lapsed:
        if kind == claims.JOB and state == claims.RUNNING:
            log.warning("job %s: worker %s stopped while running it", ref, worker,
                        extra={"job_id": ref})
            record_lost(engine, ref, f"the worker {worker} stopped before the job finished")
        else:
            log.warning("%s %s: hand-off lapsed (%s); handing it over again", kind, ref, state)
    moment = clock.now() - timedelta(seconds=defaults.LOST_AFTER_S)
    queued = claims.queued_before(engine, moment, defaults.SWEEP_BATCH)
    forgotten = claims.forget(engine, lost_tokens(connection, queued))
    if forgotten:
        log.warning("%d queued hand-off(s) missing from Redis; handing them over again",
                    forgotten)
    return len(lapsed), forgotten

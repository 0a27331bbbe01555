"""The outbox relay: claim due timers and outbox jobs in the database, then enqueue them.

Claim first (committed), enqueue second: a crash or a Redis error in between leaves a claim
whose RQ job does not exist, which the sweeper hands over again. Nothing is enqueued that
the database does not hold.
"""
import logging

from redis.exceptions import RedisError

from engine import claims

from . import defaults
from .queue import hand_over

log = logging.getLogger(__name__)


class Relay:
    """Moves due timers and outbox rows of `engine`'s database onto an RQ `queue`."""

    def __init__(self, engine, queue):
        self.engine = engine
        self.queue = queue

    def relay_timers(self, limit=defaults.CLAIM_BATCH):
        """Hand over instances with a due timer; how many were."""
        claimed = claims.claim_due_timers(self.engine, defaults.QUEUED_LEASE_S, limit,
                                          batch=defaults.TIMER_HANDOFF)
        return self._hand_over(claims.TIMER, claimed)

    def relay_jobs(self, limit=defaults.CLAIM_BATCH, instance_ids=None):
        """Hand over due outbox jobs (only those of `instance_ids` when given); how many were."""
        claimed = claims.claim_due_jobs(self.engine, defaults.QUEUED_LEASE_S, limit,
                                        batch=defaults.JOB_HANDOFF, instance_ids=instance_ids)
        return self._hand_over(claims.JOB, claimed)

    def _hand_over(self, kind, claimed):
        if not claimed:
            return 0
        try:
            hand_over(self.queue, kind, claimed)
        except RedisError as exc:
            # Give the claims back so the next round tries again; should that fail too,
            # the sweeper finds claims whose RQ job does not exist.
            log.warning("enqueue of %d %s(s) failed: %s; they stay in the outbox",
                        len(claimed), kind, exc)
            claims.forget(self.engine, list({token for _, token in claimed}))
            return 0
        return len(claimed)


def attach(engine, queue):
    """Hand over the outbox jobs of every operation of `engine` right after its commit."""
    relay = Relay(engine, queue)
    engine.on_outbox = lambda instance_ids: relay.relay_jobs(instance_ids=instance_ids)
    return relay

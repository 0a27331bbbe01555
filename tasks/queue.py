"""The RQ transport: hand claimed timers and jobs to the queue, and ask what it still holds.

Redis is transport only (ARCHITECTURE, rule 3): every queued item names a database row and
the claim token of its hand-off; losing the queue loses nothing the sweeper cannot redo.
"""
from redis import Redis
from rq import Queue
from rq.job import Job as RQJob

from engine.claims import TIMER

from . import defaults

FIRE_TIMERS = "tasks.jobs.fire_timers"
RUN_JOBS = "tasks.jobs.run_jobs"
ENQUEUE_CHUNK = 1000
# RQ job statuses after which the queue will not run the hand-off any more.
OVER = {"finished", "failed", "stopped", "canceled"}


def connect(url, blocking=False):
    """A Redis client for `url`: short time-outs (a dead Redis must not hang a request),
    except for a worker's `blocking` connection, which waits on the queue for minutes."""
    if blocking:
        return Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                          health_check_interval=30)


def parkops_queue(connection, name=None):
    """The queue every ParkOps worker listens on."""
    return Queue(name or defaults.QUEUE, connection=connection)


def hand_over(queue, kind, claimed):
    """Enqueue one RQ job per claim token, carrying its refs; the RQ job id is the token."""
    func = FIRE_TIMERS if kind == TIMER else RUN_JOBS
    batches = {}
    for ref, token in claimed:
        batches.setdefault(token, []).append(ref)
    items = [Queue.prepare_data(func, args=(refs, token), job_id=token,
                                timeout=defaults.RQ_JOB_TIMEOUT_S,
                                result_ttl=defaults.RQ_RESULT_TTL_S,
                                failure_ttl=defaults.RQ_FAILURE_TTL_S,
                                description=f"{kind} {refs[0]}" + (
                                    f" (+{len(refs) - 1})" if len(refs) > 1 else ""))
             for token, refs in batches.items()]
    for start in range(0, len(items), ENQUEUE_CHUNK):
        queue.enqueue_many(items[start:start + ENQUEUE_CHUNK])


def lost_tokens(connection, tokens):
    """The tokens whose RQ job is gone from Redis or over without having run its hand-off."""
    if not tokens:
        return []
    pipe = connection.pipeline(transaction=False)
    for token in tokens:
        pipe.hget(RQJob.key_for(token), "status")
    statuses = pipe.execute()
    return [token for token, status in zip(tokens, statuses)
            if status is None or status.decode() in OVER]


def depth(connection, name=None):
    """How many RQ jobs wait in the queue."""
    return parkops_queue(connection, name).count

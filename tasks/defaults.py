"""Every tunable of the production runner (scheduler, relay, sweeper, RQ jobs) in one place.

Each can be changed by the environment variable of the same name prefixed with `PARKOPS_`
(e.g. `PARKOPS_RUNNING_LEASE_S=60`), read when the process starts.
"""
import os


def _setting(name, default):
    return type(default)(os.environ.get(f"PARKOPS_{name}", default))


QUEUE = _setting("QUEUE", "parkops")            # the RQ queue timers and jobs go through
SCHEDULER_POLL_S = _setting("SCHEDULER_POLL_S", 0.2)   # idle wait between scheduler rounds
CLAIM_BATCH = _setting("CLAIM_BATCH", 1000)     # rows claimed per kind and round
ESCALATION_BATCH = 200
START_TIMER_BATCH = 100           # timer start events started per round
# Refs one RQ job carries. A hand-off's timers fire in one transaction (a fixed handful of
# round trips and one commit for all of them), so 10,000 due at once are 100 RQ jobs and
# 100 transactions, not 10,000. A job goes alone: a worker dying under it then costs an
# attempt to that job only.
TIMER_HANDOFF = _setting("TIMER_HANDOFF", 100)
JOB_HANDOFF = _setting("JOB_HANDOFF", 1)
# A hand-off still queued after this long is handed over again (backstop for a queue that
# kept the job but whose worker died before taking it).
QUEUED_LEASE_S = _setting("QUEUED_LEASE_S", 300.0)
# A running job's lease; its worker renews it every RENEW_EVERY_S, so a killed worker's
# job is found by the sweeper at most this long after it died.
RUNNING_LEASE_S = _setting("RUNNING_LEASE_S", 30.0)
RENEW_EVERY_S = _setting("RENEW_EVERY_S", 10.0)
# The sweeper: how often it looks, and how old a queued hand-off must be before it asks
# Redis whether the job is still there (FLUSHALL, a Redis restart without persistence).
SWEEP_EVERY_S = _setting("SWEEP_EVERY_S", 2.0)
LOST_AFTER_S = _setting("LOST_AFTER_S", 2.0)
SWEEP_BATCH = 5000
# RQ bookkeeping: the database holds the outcome, Redis need not keep results long.
RQ_RESULT_TTL_S = 60
RQ_FAILURE_TTL_S = 24 * 3600
RQ_JOB_TIMEOUT_S = 600

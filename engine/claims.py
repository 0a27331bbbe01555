"""Claims: which due timer or outbox job has been handed to a worker, by whom, until when.

The production runner (a scheduler and N workers, on any number of machines) hands work over
through a queue that may lose it (Redis restarted, worker killed). The database keeps a
`Dispatch` row per hand-off: kind (`timer`: the due timers of one instance, `job`: one outbox
job), ref (instance id or job id), a fresh token per hand-off (the queue's job id) and a lease.

- claim: a scheduler selects due rows with FOR UPDATE SKIP LOCKED (on PostgreSQL), so two
  schedulers never take the same rows, and inserts one Dispatch per ref; the primary key makes
  a second insert a no-op, so nothing is handed over twice.
- take: the worker holding the current token marks it running (a stale duplicate from an
  earlier hand-off finds another token and does nothing) and renews the lease while it works.
  One hand-off (token) may carry several refs, so 10,000 due timers are not 10,000 RQ jobs.
- release: done or not, the worker deletes its Dispatch; work still due is claimed again.
  Timers end their hand-off in the very transaction that fires them (end()).
- a lapsed lease (worker died) or a hand-off the queue lost is found by the sweeper.

On SQLite FOR UPDATE is not rendered: writers are serialized by BEGIN IMMEDIATE anyway.
"""

from dataclasses import fields
from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy import Integer, String, delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from . import clock
from .errors import StaleInstance
from .instances import InstanceRow
from .status import JobStatus
from .store import Base, Job, PendingTimer, ProcessInstance, UTCDateTime

TIMER, JOB = "timer", "job"
QUEUED, RUNNING = "queued", "running"
INSERT_CHUNK = 500
BUSY = "the process instance is being changed by another transaction; retried later"


class InstanceBusy(StaleInstance):
    """The instance row is locked by another transaction right now: try again later."""


class Dispatch(Base):
    """A timer or job handed to a worker through the queue, with the lease of that hand-off."""

    __tablename__ = "engine_dispatch"
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)      # timer | job
    ref: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(8))                       # queued | running
    worker: Mapped[str | None] = mapped_column(String(255))
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


DISPATCH = Dispatch.__table__
TIMERS, JOBS, INSTANCES = PendingTimer.__table__, Job.__table__, ProcessInstance.__table__
_INSTANCE_FIELDS = [field.name for field in fields(InstanceRow)]


def _writing(engine):
    return engine._writer.begin()


def claim_due_timers(engine, lease_s, limit, batch=1):
    """Claim instances with a due timer nobody holds, oldest due first; [(instance id, token)].

    Consecutive refs share a token by `batch`: one hand-off carries up to `batch` of them.
    """
    with _writing(engine) as conn:
        now = clock.now()
        rows = conn.execute(
            select(TIMERS.c.instance_id).where(
                TIMERS.c.due_at <= now,
                ~exists().where(DISPATCH.c.kind == TIMER, DISPATCH.c.ref == TIMERS.c.instance_id))
            .order_by(TIMERS.c.due_at).limit(limit)
            .with_for_update(skip_locked=True, of=TIMERS))
        refs = list(dict.fromkeys(r.instance_id for r in rows))
        return _insert(conn, TIMER, refs, now, lease_s, batch)


def claim_due_jobs(engine, lease_s, limit, batch=1, instance_ids=None):
    """Claim pending outbox jobs whose time has come; [(job id, token)]."""
    with _writing(engine) as conn:
        now = clock.now()
        query = select(JOBS.c.id).where(
            JOBS.c.status == JobStatus.PENDING, JOBS.c.run_after <= now,
            ~exists().where(DISPATCH.c.kind == JOB, DISPATCH.c.ref == JOBS.c.id))
        if instance_ids is not None:
            query = query.where(JOBS.c.instance_id.in_(list(instance_ids)))
        rows = conn.execute(query.order_by(JOBS.c.run_after, JOBS.c.id).limit(limit)
                            .with_for_update(skip_locked=True, of=JOBS))
        return _insert(conn, JOB, [r.id for r in rows], now, lease_s, batch)


def _insert(conn, kind, refs, now, lease_s, batch):
    """Insert queued Dispatch rows; returns [(ref, token)] for those no one else inserted."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    until = now + timedelta(seconds=lease_s)
    tokens = [uuid4().hex for _ in range(0, len(refs), batch)]
    claimed = []
    for start in range(0, len(refs), INSERT_CHUNK):
        rows = [dict(kind=kind, ref=ref, token=tokens[(start + i) // batch], state=QUEUED,
                     worker=None, handed_at=now, lease_until=until)
                for i, ref in enumerate(refs[start:start + INSERT_CHUNK])]
        result = conn.execute(insert(DISPATCH).values(rows).on_conflict_do_nothing()
                              .returning(DISPATCH.c.ref, DISPATCH.c.token))
        claimed += [(r.ref, r.token) for r in result]
    order = {ref: i for i, ref in enumerate(refs)}
    return sorted(claimed, key=lambda pair: order[pair[0]])


def take(engine, kind, token, worker, lease_s):
    """Mark the queued refs of hand-off `token` running for `worker`; the refs taken.

    None taken: the hand-off is stale (handed over again meanwhile) or already running.
    One statement: a second taker of the same token waits for the first to commit, then
    finds nothing queued.
    """
    with _writing(engine) as conn:
        return sorted(conn.scalars(
            update(DISPATCH).where(DISPATCH.c.kind == kind, DISPATCH.c.token == token,
                                   DISPATCH.c.state == QUEUED)
            .values(state=RUNNING, worker=worker,
                    lease_until=clock.now() + timedelta(seconds=lease_s))
            .returning(DISPATCH.c.ref)))


def renew(engine, kind, token, lease_s):
    """Extend the lease of a running hand-off; False when nothing of it is held any more."""
    with _writing(engine) as conn:
        return conn.execute(update(DISPATCH).where(
            DISPATCH.c.kind == kind, DISPATCH.c.token == token)
            .values(lease_until=clock.now() + timedelta(seconds=lease_s))).rowcount > 0


def release(engine, kind, token, refs=None):
    """End the hand-off `token` (whatever its outcome): what is still due is claimed again."""
    with _writing(engine) as conn:
        end(conn, kind, token, refs)


def end(conn, kind, token, refs=None):
    """release() inside the caller's transaction: the hand-off ends when that work commits."""
    query = delete(DISPATCH).where(DISPATCH.c.kind == kind, DISPATCH.c.token == token)
    if refs is not None:
        query = query.where(DISPATCH.c.ref.in_(list(refs)))
    conn.execute(query)


def lapsed(engine, limit):
    """Take hand-offs whose lease ran out (deleting them); [(kind, ref, state, worker)]."""
    with _writing(engine) as conn:
        rows = conn.execute(
            select(DISPATCH.c.kind, DISPATCH.c.ref, DISPATCH.c.state, DISPATCH.c.worker,
                   DISPATCH.c.token)
            .where(DISPATCH.c.lease_until < clock.now()).limit(limit)
            .with_for_update(skip_locked=True)).all()
        _delete_tokens(conn, [r.token for r in rows])
        return [(r.kind, r.ref, r.state, r.worker) for r in rows]


def queued_before(engine, moment, limit):
    """Tokens of hand-offs still queued that were made before `moment`."""
    with engine.reading() as session:
        return list(dict.fromkeys(session.scalars(
            select(DISPATCH.c.token)
            .where(DISPATCH.c.state == QUEUED, DISPATCH.c.handed_at < moment)
            .order_by(DISPATCH.c.handed_at).limit(limit))))


def forget(engine, tokens):
    """Drop queued hand-offs the queue lost, so they are claimed afresh; how many were."""
    if not tokens:
        return 0
    with _writing(engine) as conn:
        return _delete_tokens(conn, tokens, state=QUEUED)


def _delete_tokens(conn, tokens, state=None):
    count = 0
    for start in range(0, len(tokens), INSERT_CHUNK):
        query = delete(DISPATCH).where(DISPATCH.c.token.in_(tokens[start:start + INSERT_CHUNK]))
        if state is not None:
            query = query.where(DISPATCH.c.state == state)
        count += conn.execute(query).rowcount
    return count


def lock_instances(conn, instance_ids):
    """Row-lock those of the instances no other transaction holds; their rows, by id.

    One statement for a whole hand-off: the rows come back as InstanceRows, read after the
    lock was taken, so their versions are the ones this transaction writes against. A busy
    instance is simply missing (SKIP LOCKED); on SQLite, where the writer holds the whole
    database, FOR UPDATE is not rendered and every existing row comes back.
    """
    rows = conn.execute(select(*[INSTANCES.c[name] for name in _INSTANCE_FIELDS])
                        .where(INSTANCES.c.id.in_(list(instance_ids)))
                        .order_by(INSTANCES.c.id).with_for_update(skip_locked=True))
    return [InstanceRow(**row._mapping) for row in rows]


def lock_instance(session, instance_id):
    """Row-lock the instance for this transaction; InstanceBusy when another one holds it.

    PostgreSQL only (SKIP LOCKED: never wait behind a slow transaction, come back later).
    SQLite's writers already hold the whole database.
    """
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    locked = conn.execute(select(INSTANCES.c.id).where(INSTANCES.c.id == instance_id)
                          .with_for_update(skip_locked=True)).first()
    if locked is None:
        raise InstanceBusy(BUSY)

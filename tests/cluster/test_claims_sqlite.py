"""The claim rules themselves, on the SQLite default (no servers needed)."""
from datetime import timedelta
from pathlib import Path

from engine import claims

DATA = Path(__file__).parent / "data"


def due_timer_instance(eng, clock):
    eng.deploy((DATA / "cluster_timer.bpmn").read_bytes(), "cluster_timer.bpmn", "t1")
    iid = eng.start("cluster_timer", "S-1", tenant="t1")
    clock.shift(timedelta(minutes=2))
    return iid


def test_a_due_timer_is_handed_over_once_until_released(eng, clock):
    """Claimed once; claiming again finds nothing; released, it can be claimed again."""
    iid = due_timer_instance(eng, clock)
    [(ref, token)] = claims.claim_due_timers(eng, 60, limit=10)
    assert ref == iid
    assert claims.claim_due_timers(eng, 60, limit=10) == []
    claims.release(eng, claims.TIMER, token)
    assert [r for r, _ in claims.claim_due_timers(eng, 60, limit=10)] == [iid]


def test_a_stale_hand_off_is_not_taken(eng, clock):
    """Only the current token's worker may take the work; a duplicate does nothing."""
    due_timer_instance(eng, clock)
    [(ref, token)] = claims.claim_due_timers(eng, 60, limit=10)
    assert claims.take(eng, claims.TIMER, "not-the-token", "w1", 30) == []
    assert claims.take(eng, claims.TIMER, token, "w1", 30) == [ref]
    assert claims.take(eng, claims.TIMER, token, "w2", 30) == []


def test_a_running_hand_off_whose_lease_lapsed_is_swept(eng, clock):
    """The worker stopped renewing: the sweeper gets the hand-off back, with who held it."""
    iid = due_timer_instance(eng, clock)
    [(_, token)] = claims.claim_due_timers(eng, 60, limit=10)
    claims.take(eng, claims.TIMER, token, "host:42", 30)
    assert claims.lapsed(eng, 10) == []
    clock.shift(timedelta(seconds=31))
    assert claims.lapsed(eng, 10) == [(claims.TIMER, iid, claims.RUNNING, "host:42")]
    assert [r for r, _ in claims.claim_due_timers(eng, 60, limit=10)] == [iid]


def test_the_timers_of_a_hand_off_fire_in_one_transaction_on_sqlite(eng, clock):
    """The batch path works on the embedded default too: each instance fires once and the
    hand-off ends with it."""
    from engine.jobs import fire_instances

    eng.deploy((DATA / "cluster_timer.bpmn").read_bytes(), "cluster_timer.bpmn", "t1")
    ids = [eng.start("cluster_timer", f"S-{n}", tenant="t1") for n in range(3)]
    clock.shift(timedelta(minutes=2))
    [(_, token), *_] = claims.claim_due_timers(eng, 60, limit=10, batch=10)
    assert fire_instances(eng, ids, hand_off=(claims.TIMER, token)) == {iid: 1 for iid in ids}
    assert fire_instances(eng, ids) == {}
    assert claims.claim_due_timers(eng, 60, limit=10) == []
    assert len(eng.open_tasks("t1")) == 3

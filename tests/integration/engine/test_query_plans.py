"""Every list walks an index (SQLite's EXPLAIN QUERY PLAN): the basket views, the escalation
runner's scan and an instance's open tasks stay a page of index as the tables grow."""

import re

import pytest

from engine import basket, prepared

from .conftest import TENANT, deploy, only_task

AGENT = basket.Viewer(tenant=TENANT, user="agent", roles=("back-office",))


@pytest.fixture
def busy(eng, clock):
    """Open, claimed and completed tasks of a few instances."""
    deploy(eng, "claim_review.bpmn")
    tasks = [only_task(eng, eng.start("claim_review", f"OCC-{n}", {"amount": 10 + n}, TENANT))
             for n in range(4)]
    eng.claim(tasks[0].id, "agent")
    eng.claim(tasks[1].id, "agent")
    eng.complete(tasks[1].id, "agent", {"approved": True})
    return eng


def plans_of(eng, call):
    """EXPLAIN QUERY PLAN lines of every SELECT on engine_human_task that `call` runs."""
    with prepared.recording(eng.db_engine) as seen:
        call()
    plans = []
    raw = eng.db_engine.raw_connection()
    try:
        for statement, parameters in seen:
            if statement.lstrip().upper().startswith("SELECT") and "engine_human_task" in statement:
                rows = raw.driver_connection.execute(f"EXPLAIN QUERY PLAN {statement}",
                                                     parameters).fetchall()
                plans.append([row[-1] for row in rows])
    finally:
        raw.close()
    assert plans, "no statement on engine_human_task was run"
    return plans


def task_lines(plans):
    return [line for plan in plans for line in plan if re.search(r"\bengine_human_task\b", line)]


@pytest.mark.parametrize("view, index", [
    (basket.View.INBOX, "ix_task_assignee"),
    (basket.View.DONE, "ix_task_done_by"),
    (basket.View.ESCALATED, "ix_task_open_due"),
])
def test_each_basket_view_reads_its_index(busy, view, index):
    lines = task_lines(plans_of(busy, lambda: basket.fetch(busy, view, AGENT)))
    assert any(f"USING INDEX {index}" in line or f"USING COVERING INDEX {index}" in line
               for line in lines), lines
    assert not [line for line in lines if re.fullmatch(r"SCAN engine_human_task", line)]


def test_the_queue_reads_its_entries_by_role_and_tasks_by_id(busy):
    plans = plans_of(busy, lambda: basket.fetch(busy, basket.View.QUEUE, AGENT))
    flat = [line for plan in plans for line in plan]
    assert any("ix_queue_lookup" in line for line in flat), flat
    assert not [line for line in flat if re.fullmatch(r"SCAN engine_human_task", line)]


def test_the_escalation_runner_scans_open_tasks_by_deadline(busy, clock):
    lines = task_lines(plans_of(busy, busy.escalate_overdue))
    assert any("ix_task_deadline" in line for line in lines), lines


def test_an_instances_open_tasks_come_from_its_index(busy):
    instance_id = busy.instances(TENANT)[0].id
    lines = task_lines(plans_of(busy, lambda: busy.open_task_ids(instance_id)))
    assert any("ix_engine_human_task_instance_id" in line for line in lines), lines

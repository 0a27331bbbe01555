"""Messages between instances: thrown into the outbox, delivered by business key; message starts."""

from .conftest import TENANT, assert_round_trip, deploy, only_task


def test_thrown_message_reaches_the_waiting_instance_with_the_same_business_key(
        eng, services, clock):
    """A payment recorded in one process moves the invoice process waiting on INV-9 only."""
    services.add("charge_card", lambda call: {"charged": True})
    deploy(eng, "service_then_message.bpmn")
    deploy(eng, "payment_notice.bpmn")
    invoice = eng.start("charge", "INV-9", tenant=TENANT)
    other = eng.start("charge", "INV-10", tenant=TENANT)
    eng.run_due_jobs()                                   # both charged, both wait for payment
    notice = eng.start("payment_notice", "INV-9", tenant=TENANT)
    eng.complete(only_task(eng, notice).id, "agent", {"amount_paid": 990})
    assert eng.instance(notice).status == "completed"
    assert eng.instance_tasks(invoice) == []            # not delivered inside the transaction
    assert eng.run_due_jobs() == 1
    assert only_task(eng, invoice).name == "Check payment"
    assert eng.instance(invoice).variables["amount_paid"] == 990
    assert eng.instance_tasks(other) == []
    assert "message_sent" in [e.kind for e in eng.history(notice)]
    assert_round_trip(eng, invoice)


def test_message_nobody_waits_for_is_recorded_not_retried(eng, clock):
    """A message with no receiver is done, with the reason kept on the job and in history."""
    deploy(eng, "payment_notice.bpmn")
    notice = eng.start("payment_notice", "INV-404", tenant=TENANT)
    eng.complete(only_task(eng, notice).id, "agent", {"amount_paid": 1})
    assert eng.run_due_jobs() == 1
    assert eng.run_due_jobs() == 0
    [sent] = [e for e in eng.history(notice) if e.kind == "message_sent"]
    assert sent.payload["received"] == 0


def test_message_start_event_starts_a_process(eng, clock):
    """Correlating a message that no instance waits for starts the process it starts."""
    deploy(eng, "payment_notice.bpmn")
    assert eng.correlate_message("refund-requested", "REF-1", {"amount": 500}, TENANT) == 1
    [inst] = [i for i in eng.instances(TENANT) if i.process_key == "refund_request"]
    assert inst.business_key == "REF-1"
    task = only_task(eng, inst.id)
    assert (task.name, task.candidate_groups) == ("Decide refund", ["supervisor"])
    assert eng.instance(inst.id).variables["amount"] == 500
    assert_round_trip(eng, inst.id)

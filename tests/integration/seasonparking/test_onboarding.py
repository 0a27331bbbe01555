"""The onboarding process end to end: real engine, real BPMN, real SMTP, sandbox payments."""
from datetime import date, timedelta

from processes.access import LocalAccessControl
from processes.seasonparking.models import Contract

from .conftest import TENANT, drive, job_errors, open_task, reload


def accept_documents(eng, application, actor="agent"):
    """The back office accepts the documents."""
    task = open_task(eng, application, "Check documents")
    eng.complete(task.id, actor, {"document_decision": "accept"})
    drive(eng)


def test_a_usual_application_ends_with_an_active_contract_access_and_a_welcome_mail(
        apply, eng, session, smtp):
    """Card verified, documents accepted: contract active, plate whitelisted, one welcome."""
    application = apply()
    drive(eng)
    assert reload(session, application).status == "in_review"
    accept_documents(eng, application)
    application = reload(session, application)
    assert application.status == "onboarded", job_errors(session)
    contract = session.get(Contract, application.contract_id)
    assert (contract.status, contract.monthly_price_cents, contract.payment_method) == (
        "active", 12000, "card")
    assert contract.payment_token.startswith("tok_sbx_") and contract.payment_label.endswith("4242")
    access = LocalAccessControl(session)
    assert access.allows(TENANT, contract.site_id, "plate", "1ABC234", date(2026, 3, 9))
    assert not access.allows(TENANT, contract.site_id, "plate", "1ABC234", date(2026, 3, 8))
    [(rcpt, mail)] = smtp.inbox.received
    assert rcpt == ["ann@example.test"]
    assert mail["Subject"] == f"Welcome to Brussels Central: your season contract {contract.number}"
    assert "1ABC234" in mail.get_body(("plain",)).get_content()
    assert eng.instance(application.instance_id).status == "completed"


def test_a_full_site_waitlists_and_the_first_waiting_continues_when_a_place_is_freed(
        apply, eng, session):
    """2 season places taken: the third application waits; ending a contract wakes it."""
    from processes.seasonparking.contracts import end_due_contracts
    from processes.seasonparking.waitlist import wake_waitlist
    first, second = apply(email="a@x.test"), apply(email="b@x.test", plates=("1-ABD-234",))
    drive(eng)
    for held in (first, second):
        accept_documents(eng, held)
    third = apply(email="c@x.test", plates=("1-ABE-234",))
    fourth = apply(email="d@x.test", plates=("1-ABF-234",))
    drive(eng)
    assert [reload(session, a).status for a in (third, fourth)] == ["waitlisted"] * 2
    contract = session.get(Contract, reload(session, first).contract_id)
    contract.ends_on = date(2026, 3, 1)     # its last day was yesterday (site time)
    session.commit()
    assert end_due_contracts(session, TENANT) == {contract.site_id}
    session.commit()
    assert wake_waitlist(eng, session, TENANT, contract.site_id)
    drive(eng)
    assert [reload(session, a).status for a in (third, fourth)] == ["in_review", "waitlisted"]
    assert open_task(eng, third, "Check documents")


def test_a_waitlisted_application_finds_a_freed_place_at_its_daily_recheck(
        apply, eng, session, clock, site):
    """Without any message, the P1D re-check takes the place once the site has room."""
    apply(email="a@x.test"), apply(email="b@x.test", plates=("1-ABD-234",))
    waiting = apply(email="c@x.test", plates=("1-ABE-234",))
    drive(eng)
    assert reload(session, waiting).status == "waitlisted"
    site.capacity = 6                       # the operator sells one more season place
    session.merge(site)
    session.commit()
    clock.shift(timedelta(days=1))
    assert eng.fire_due_timers() == 3 - 2   # only the waiting instance had a timer
    drive(eng)
    assert reload(session, waiting).status == "in_review"


def test_documents_the_back_office_cannot_decide_go_to_a_supervisor_who_may_refuse(
        apply, eng, session, smtp):
    """"Can't decide" escalates; the supervisor's refusal is mailed with the note."""
    application = apply()
    drive(eng)
    task = open_task(eng, application, "Check documents")
    eng.complete(task.id, "agent", {"document_decision": "escalate"}, roles=["back-office"])
    drive(eng)
    escalated = open_task(eng, application, "Decide on documents (escalated)")
    assert escalated.candidate_groups == ["supervisor"]
    eng.complete(escalated.id, "supervisor", {"document_decision": "reject",
                                              "document_note": "The ID card has expired."})
    drive(eng)
    refused = reload(session, application)
    assert refused.status == "refused" and not refused.holds_place
    assert refused.refusal_reason == "The documents could not be accepted. The ID card has expired."
    [(_rcpt, mail)] = smtp.inbox.received
    assert "The ID card has expired." in mail.get_body(("plain",)).get_content()


def test_a_hard_declined_card_refuses_the_application_with_the_banks_reason(
        apply, eng, session, smtp):
    """A stolen card: refused, contract cancelled, the applicant told why."""
    application = apply(card="4000 0000 0000 9979")
    drive(eng)
    accept_documents(eng, application)
    refused = reload(session, application)
    assert refused.status == "refused"
    assert "stolen" in refused.refusal_reason
    assert session.get(Contract, refused.contract_id).status == "cancelled"
    assert len(smtp.inbox.received) == 1


def test_soft_declines_are_retried_later_then_the_back_office_asks_for_another_method(
        apply, eng, session, clock, provider):
    """Issuer unreachable: 3 attempts 6 h apart, then a task; a new card then verifies."""
    from processes.seasonparking.applications import set_payment_method
    application = apply(card="4000 0000 0000 0119")
    drive(eng)
    accept_documents(eng, application)
    for _retry in range(2):
        assert reload(session, application).payment_status == "soft_declined"
        clock.shift(timedelta(hours=6))
        assert eng.fire_due_timers() == 1
        drive(eng)
    current = reload(session, application)
    assert (current.status, current.payment_attempts) == ("payment", 3)
    task = open_task(eng, application, "Obtain a payment method")
    card = provider.tokenise_card("4242424242424242", 1, 2031, "999", "Ann")
    set_payment_method(reload(session, application), card)
    session.commit()
    eng.complete(task.id, "agent", {"payment_decision": "retry"})
    drive(eng)
    assert reload(session, application).status == "onboarded"


def test_an_unusual_application_waits_for_a_supervisor_before_access_is_issued(
        apply, eng, session):
    """A discount and two plates on a one-vehicle product need approval; approved, it runs on."""
    application = apply(discount=10, plates=("1-ABC-234", "1-XYZ-987"), channel="back-office")
    drive(eng)
    accept_documents(eng, application)
    waiting = reload(session, application)
    assert waiting.status == "approval"
    assert waiting.unusual == ["2 vehicles; the product allows 1.", "Discount of 10 %."]
    task = open_task(eng, application, "Approve unusual application")
    assert task.candidate_groups == ["supervisor"]
    eng.complete(task.id, "supervisor", {"approval": "approve"})
    drive(eng)
    done = reload(session, application)
    assert done.status == "onboarded"
    assert session.get(Contract, done.contract_id).monthly_price_cents == 10800


def test_a_plate_already_parking_at_the_site_makes_the_application_ineligible(
        apply, eng, session):
    """The same plate cannot hold two contracts at one car park."""
    first = apply()
    drive(eng)
    accept_documents(eng, first)
    second = apply(email="other@x.test")
    drive(eng)
    refused = reload(session, second)
    assert refused.status == "refused"
    assert refused.refusal_reason == "1ABC234 already parks here under another contract."

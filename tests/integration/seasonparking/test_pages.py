"""Season-parker pages: the public form (no login, CSRF, rate limit) and the back office."""
import re
from datetime import date

import pytest

from processes.access import LocalAccessControl
from processes.seasonparking.models import Application, Contract

from .conftest import TENANT, drive, fresh, open_task, reload
from .test_onboarding import accept_documents

FORM = {"name": "Bea Janssens", "email": "bea@example.test", "plate_1": "1-abc-234",
        "country_1": "BE", "starts_on": "2026-03-09", "term_months": "0",
        "payment_method": "card", "card_number": "4242424242424242", "card_exp_month": "12",
        "card_exp_year": "2030", "card_cvc": "123"}


@pytest.fixture
def web(season_app):
    """A test client of the season app."""
    return season_app.test_client()


def login(web, username):
    """Log the client in as a demo user."""
    return web.post("/auth/login", data={"tenant": TENANT, "username": username,
                                         "password": username})


def test_anyone_may_apply_without_logging_in_and_the_onboarding_starts(web, eng, product,
                                                                       session):
    """The public form stores the application and starts its process; the page names it."""
    assert web.get(f"/apply/{TENANT}/season").status_code == 200
    response = web.post(f"/apply/{TENANT}/season", data={**FORM, "product": product.id})
    assert response.status_code == 302
    sent = web.get(response.headers["Location"])
    assert b"SA-000001" in sent.data
    fresh(session)
    application = session.query(Application).one()
    assert (application.channel, application.payment_label) == ("web", "Visa •••• 4242")
    assert eng.instance(application.instance_id).status == "running"


@pytest.mark.parametrize("change, message", [
    ({"card_number": "4242424242424241"}, b"This is not a valid card number."),
    ({"plate_1": "###"}, b"A number plate holds only letters and digits."),
    ({"plate_1": ""}, b"Give at least one number plate."),
    ({"email": "nope"}, b"Give a valid e-mail address"),
    ({"starts_on": "2026-03-01"}, b"The start date cannot be in the past."),
    ({"payment_method": "sepa", "iban": "DE00370400440532013000"}, b"check digits are wrong"),
])
def test_bad_input_re_renders_the_form_with_the_fields_message(web, eng, product, session,
                                                               change, message):
    """422 with the message on its field; nothing stored, no process started."""
    response = web.post(f"/apply/{TENANT}/season", data={**FORM, "product": product.id, **change})
    assert response.status_code == 422
    assert message in response.data
    fresh(session)
    assert session.query(Application).count() == 0


def test_an_unusual_plate_format_is_accepted_with_a_warning(web, eng, product, session):
    """A plate matching no Belgian format is stored with a warning, not refused."""
    response = web.post(f"/apply/{TENANT}/season",
                        data={**FORM, "product": product.id, "plate_1": "ZZ99"})
    assert response.status_code == 302
    fresh(session)
    [vehicle] = session.query(Application).one().vehicles
    assert vehicle["plate"] == "ZZ99" and "does not look like a plate from BE" in vehicle["warning"]


def test_an_unknown_organisation_has_no_form(web, eng):
    """/apply/<unknown>/season is a 404."""
    assert web.get("/apply/nobody/season").status_code == 404


def test_the_public_form_is_rate_limited_per_address(make_app, smtp, clock):
    """More applications than the limit from one address: 429."""
    from webapp.extensions import db as _db
    app = make_app(SEASON_PUBLIC_FORM_LIMIT="2 per hour")
    with app.app_context():
        _db.create_all()
        from processes.accounts.services import seed_demo
        seed_demo(_db.session)
        _db.session.commit()
    client = app.test_client()
    codes = [client.post(f"/apply/{TENANT}/season", data={"name": "x"}).status_code
             for _ in range(3)]
    assert codes == [422, 422, 429]


def test_the_public_form_needs_its_csrf_token(make_app, smtp, clock):
    """With CSRF on, a post without the token is refused (400) and stores nothing."""
    from webapp.extensions import db as _db
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        _db.create_all()
        from processes.accounts.services import seed_demo
        seed_demo(_db.session)
        _db.session.commit()
    client = app.test_client()
    page = client.get(f"/apply/{TENANT}/season")
    assert re.search(rb'name="csrf_token"', page.data)
    assert client.post(f"/apply/{TENANT}/season", data=FORM).status_code == 400


@pytest.mark.parametrize("path", ["/season/applications", "/season/contracts",
                                  "/season/applications/new"])
def test_back_office_pages_need_a_login_and_the_role(season_app, eng, path):
    """Anonymous: login redirect; the designer: 403; the agent: 200."""
    anonymous, designer, agent = (season_app.test_client() for _ in range(3))
    assert anonymous.get(path).status_code == 302
    login(designer, "designer")
    assert designer.get(path).status_code == 403
    login(agent, "agent")
    assert agent.get(path).status_code == 200


def onboarded(apply, eng, session, **kwargs):
    """An application driven to an active contract; the contract."""
    application = apply(**kwargs)
    drive(eng)
    accept_documents(eng, application)
    return session.get(Contract, reload(session, application).contract_id)


def test_the_back_office_enters_an_application_with_a_discount_for_approval(
        web, eng, product, session):
    """Back-office entry: no payment yet, a discount; the process asks a supervisor later."""
    login(web, "agent")
    response = web.post("/season/applications/new", data={
        **FORM, "product": product.id, "payment_method": "", "discount_percent": "10"})
    assert response.status_code == 302, response.data
    fresh(session)
    application = session.query(Application).one()
    assert (application.channel, application.discount_percent, application.payment_token) == (
        "back-office", 10, None)
    page = web.get(response.headers["Location"])
    assert b"Discount" in page.data and application.number.encode() in page.data


def test_a_vehicle_change_on_the_contract_page_updates_access(web, apply, eng, session):
    """The new plate enters from today, the old one no longer does."""
    contract = onboarded(apply, eng, session)
    login(web, "agent")
    response = web.post(f"/season/contracts/{contract.id}/vehicles",
                        data={"plate_1": "2-XYZ-987", "country_1": "BE"})
    assert response.status_code == 302
    fresh(session)
    access = LocalAccessControl(session)
    assert access.allows(TENANT, contract.site_id, "plate", "2XYZ987", date(2026, 3, 10))
    assert not access.allows(TENANT, contract.site_id, "plate", "1ABC234", date(2026, 3, 10))


def test_more_vehicles_than_the_product_allows_needs_a_supervisor(web, apply, eng, session,
                                                                  season_app):
    """The agent is refused (422, message); the supervisor may."""
    contract = onboarded(apply, eng, session)
    two = {"plate_1": "1-ABC-234", "country_1": "BE", "plate_2": "2-XYZ-987", "country_2": "BE"}
    login(web, "agent")
    refused = web.post(f"/season/contracts/{contract.id}/vehicles", data=two)
    assert refused.status_code == 422 and b"a supervisor may allow more" in refused.data
    supervisor = season_app.test_client()
    login(supervisor, "supervisor")
    assert supervisor.post(f"/season/contracts/{contract.id}/vehicles",
                           data=two).status_code == 302


def test_termination_sets_the_last_day_and_access_ends_with_it(web, apply, eng, session):
    """Notice on 2 March: last day 30 April; access revoked from 1 May; notice twice is 409."""
    contract = onboarded(apply, eng, session)
    login(web, "agent")
    assert web.post(f"/season/contracts/{contract.id}/terminate", data={}).status_code == 302
    fresh(session)
    assert session.get(Contract, contract.id).ends_on == date(2026, 4, 30)
    access = LocalAccessControl(session)
    assert access.allows(TENANT, contract.site_id, "plate", "1ABC234", date(2026, 4, 30))
    assert not access.allows(TENANT, contract.site_id, "plate", "1ABC234", date(2026, 5, 1))
    page = web.get(f"/season/contracts/{contract.id}")
    assert b"access revoked from 2026-05-01" in page.data
    assert web.post(f"/season/contracts/{contract.id}/terminate", data={}).status_code == 409


def test_the_contract_page_shows_paid_up_to_and_access_until_an_invoice_in_term(
        web, apply, eng, session):
    """March invoiced on 2 March (due 16 March), not paid yet: nothing is paid, but the plate
    may park through March (the invoice is within its payment term)."""
    from processes.invoicing import runs
    contract = onboarded(apply, eng, session)
    runs.run_period(session.get_bind(), TENANT, "2026-03")
    fresh(session)
    [credential] = LocalAccessControl(session).credentials(TENANT, contract.number)
    assert credential.valid_to == date(2026, 3, 31)
    login(web, "agent")
    page = web.get(f"/season/contracts/{contract.id}").data.decode()
    assert re.search(r"Paid up to</dt><dd>nothing paid yet", page)
    assert re.search(r"Access until</dt><dd>2026-03-31 · includes invoices still within", page)
    assert "access revoked from 2026-04-01" in page


def test_a_fixed_term_contract_is_renewed_and_access_follows(web, apply, eng, session):
    """12 months from 9 March 2026 end 8 March 2027; renewed: 8 March 2028."""
    contract = onboarded(apply, eng, session, term=12)
    assert contract.ends_on == date(2027, 3, 8)
    login(web, "agent")
    assert web.post(f"/season/contracts/{contract.id}/renew",
                    data={"months": "12"}).status_code == 302
    fresh(session)
    assert session.get(Contract, contract.id).ends_on == date(2028, 3, 8)
    [credential] = LocalAccessControl(session).credentials(TENANT, contract.number)
    assert credential.valid_to == date(2028, 3, 8)


def test_another_organisations_contract_is_not_found(web, apply, eng, session):
    """Contract and application ids of another tenant answer 404."""
    contract = onboarded(apply, eng, session)
    contract.tenant = "rival"
    session.commit()
    login(web, "agent")
    assert web.get(f"/season/contracts/{contract.id}").status_code == 404
    assert web.post(f"/season/contracts/{contract.id}/terminate").status_code == 404


def test_a_declined_method_is_replaced_on_the_application_page(web, apply, eng, session):
    """No method given: the agent registers a card on the page, then the task verifies it."""
    application = apply(card=None)
    drive(eng)
    accept_documents(eng, application)
    task = open_task(eng, application, "Obtain a payment method")
    login(web, "agent")
    response = web.post(f"/season/applications/{application.id}/payment", data={
        "payment_method": "card", "card_number": "4242424242424242", "card_exp_month": "1",
        "card_exp_year": "2031", "card_cvc": "321"})
    assert response.status_code == 302
    eng.complete(task.id, "agent", {"payment_decision": "retry"})
    drive(eng)
    assert reload(session, application).status == "onboarded"

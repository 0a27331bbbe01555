"""Role x route matrix of the season-parker API, plus its answers: 401 without a token, 403
for a wrong role, 404 for another tenant's ids, 201/200 for back office, supervisor and admin.
"""
from datetime import date
from pathlib import Path

import pytest

from processes.bookings.models import Customer, Site
from processes.seasonparking.models import Application, Contract, Product
from webapp.extensions import db as _db

from .conftest import PREFIX, RIVAL, T0
from .matrix import Family, Route, access_tests, matrix_world

SEGMENTS = frozenset({"season-applications", "contracts"})
LIBRARY = Path(__file__).resolve().parents[3] / "library"


def application_body(product_id, **extra):
    """A valid application body."""
    return {"product_id": product_id, "name": "Dirk Peeters", "email": "dirk@x.test",
            "vehicles": [{"plate": "1-DEF-456", "country": "BE"}], "starts_on": "2026-03-16",
            "payment": {"method": "sepa", "iban": "DE89370400440532013000"}, **extra}


ROUTES = (
    Route("POST", "/season-applications", ok=201,
          body=lambda world: application_body(world.ids["demo"]["product"])),
    Route("GET", "/season-applications/{}", needs="application"),
    Route("GET", "/contracts/{}", needs="contract"),
)
(test_matrix_covers_every_endpoint, test_no_token_is_401, test_role_matrix,
 test_another_tenants_ids_are_404) = access_tests(Family(ROUTES, SEGMENTS))


def _site_and_product(session, tenant):
    site = Site(tenant=tenant, code="C", name="Centre", timezone="Europe/Brussels", country="BE",
                capacity=100)
    session.add(site)
    session.flush()
    product = Product(tenant=tenant, code="C-247", name="24/7", site_id=site.id,
                      monthly_price_cents=9000, max_vehicles=2)
    session.add(product)
    session.flush()
    return site, product


def _contract(session, tenant, site, product, number):
    customer = Customer(tenant=tenant, name="Cas", email="cas@x.test", created_at=T0)
    session.add(customer)
    session.flush()
    contract = Contract(tenant=tenant, number=number, customer_id=customer.id, site_id=site.id,
                        product_id=product.id, monthly_price_cents=9000, starts_on=date(2026, 3, 1),
                        status="active", created_at=T0)
    session.add(contract)
    session.flush()
    application = Application(
        tenant=tenant, number="SA-900001", status="onboarded", channel="api", site_id=site.id,
        product_id=product.id, name="Cas", email="cas@x.test", starts_on=date(2026, 3, 1),
        vehicles=[{"plate": "1ABC234", "country": "BE", "warning": None}], created_at=T0,
        created_by="test", contract_id=contract.id)
    session.add(application)
    session.flush()
    return contract.id, application.id


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A site, product, contract and application in demo and in the rival tenant."""
    with matrix_world(tmp_path_factory, "season-matrix") as made:
        with made.app.app_context():
            for tenant in ("demo", RIVAL):
                site, product = _site_and_product(_db.session, tenant)
                contract_id, application_id = _contract(_db.session, tenant, site, product,
                                                        "SP-900001")
                made.ids[tenant] = {"product": product.id, "contract": contract_id,
                                    "application": application_id}
            _db.session.commit()
        path = LIBRARY / "season_parker_onboarding.bpmn"
        made.engine.deploy(path.read_bytes(), path.name, "demo")
        yield made


def test_a_created_application_names_its_number_status_and_masked_payment(world):
    """201 with the number, Location, payment label only, and the onboarding started."""
    response = world.api.post(f"{PREFIX}/season-applications", "agent",
                              json=application_body(world.ids["demo"]["product"], name="Eva"))
    created = response.get_json()
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/season-applications/{created['id']}")
    assert created["status"] == "submitted" and created["instance_id"] is not None
    assert created["payment_label"] == "IBAN DE89 •••• 3000"
    assert "iban" not in str(created).lower().replace("iban de89", "")


@pytest.mark.parametrize("change, field", [
    ({"vehicles": []}, "vehicles"),
    ({"vehicles": [{"plate": "!!"}]}, "vehicle_1"),
    ({"email": "x"}, "email"),
    ({"starts_on": "soon"}, "starts_on"),
    ({"payment": {"method": "card", "card_number": "1234"}}, "card_number"),
    ({"colour": "blue"}, "colour"),
    ({"discount_percent": 90}, "discount_percent"),
])
def test_refused_fields_answer_422_per_field(world, change, field):
    """Bad input: 422 naming the field; nothing stored."""
    response = world.api.post(f"{PREFIX}/season-applications", "agent",
                              json=application_body(world.ids["demo"]["product"], **change))
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_a_contract_shows_its_vehicles_paid_up_day_and_credentials(world):
    """GET /contracts/{id}: the columns invoicing reads, and access data."""
    contract_id = world.ids["demo"]["contract"]
    shown = world.api.get(f"{PREFIX}/contracts/{contract_id}", "supervisor").get_json()
    assert (shown["number"], shown["monthly_price_cents"], shown["ends_on"]) == (
        "SP-900001", 9000, None)
    assert shown["last_paid_day"] is None and shown["credentials"] == []
    assert (shown["access_until"], shown["access_revoked_on"]) == (None, None)   # no invoice

"""Role x route matrix of the season-parker API, plus its answers: 401 without a token, 403
for a wrong role, 404 for another tenant's ids, 201/200 for back office, supervisor and admin.
"""
from datetime import date
from pathlib import Path

import pytest
import time_machine

from processes.accounts import defaults as account_defaults
from processes.accounts.services import create_tenant, create_user, seed_demo
from processes.bookings.models import Customer, Site
from processes.seasonparking.models import Application, Contract, Product
from tests.conftest import make_config
from webapp import create_app
from webapp.extensions import db as _db
from webapp.extensions import get_engine

from .conftest import PREFIX, RIVAL, T0, Api
from .matrix import registered_rules

SEGMENTS = {"season-applications", "contracts"}
USERS = ("agent", "supervisor", "designer", "admin")
STAFF = {"agent", "supervisor", "admin"}
LIBRARY = Path(__file__).resolve().parents[3] / "library"
ROUTES = [("POST", "/season-applications"), ("GET", "/season-applications/{}"),
          ("GET", "/contracts/{}")]


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
    """Demo users with tokens; a site, product, contract and application in demo and rival."""
    with pytest.MonkeyPatch.context() as patch, time_machine.travel(T0, tick=False):
        patch.setattr(account_defaults, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")
        app = create_app(make_config(tmp_path_factory.mktemp("season_api")))
        ids = {}
        with app.app_context():
            _db.create_all()
            session = _db.session
            seed_demo(session)
            rival = create_tenant(session, RIVAL, "Rival Parking")
            create_user(session, rival, "boss", "boss", roles=("admin", "back-office"))
            for tenant in ("demo", RIVAL):
                site, product = _site_and_product(session, tenant)
                ids[tenant] = (product.id, *_contract(session, tenant, site, product,
                                                      "SP-900001"))
            session.commit()
            path = LIBRARY / "season_parker_onboarding.bpmn"
            get_engine().deploy(path.read_bytes(), path.name, "demo")
        api = Api(app)
        for username in USERS:
            api.login(username)
        yield app, api, ids
    with app.app_context():
        _db.engine.dispose()


def body(product_id, **extra):
    """A valid application body."""
    return {"product_id": product_id, "name": "Dirk Peeters", "email": "dirk@x.test",
            "vehicles": [{"plate": "1-DEF-456", "country": "BE"}], "starts_on": "2026-03-16",
            "payment": {"method": "sepa", "iban": "DE89370400440532013000"}, **extra}


def call(world, method, path, token, tenant="demo"):
    """Send one of ROUTES for `tenant`'s objects."""
    _app, api, ids = world
    product_id, contract_id, application_id = ids[tenant]
    filled = path.format(contract_id if path.startswith("/contracts") else application_id)
    with time_machine.travel(T0, tick=False):
        kwargs = {"json": body(product_id)} if method == "POST" else {}
        return api.call(method, PREFIX + filled, token, **kwargs)


def test_the_matrix_covers_every_season_route(world):
    """This module checks exactly the rules registered under its segments."""
    assert registered_rules(world[0], SEGMENTS) == set(ROUTES)


@pytest.mark.parametrize("method, path", ROUTES)
def test_no_token_is_401(world, method, path):
    """Without a token: 401."""
    assert call(world, method, path, None).status_code == 401


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("method, path", ROUTES)
def test_role_matrix(world, method, path, username):
    """Back office, supervisor and admin succeed; the designer gets 403."""
    response = call(world, method, path, username)
    if username in STAFF:
        assert response.status_code == (201 if method == "POST" else 200), response.get_json()
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("method, path", [r for r in ROUTES if "{}" in r[1]])
def test_another_tenants_ids_are_404(world, method, path):
    """The rival's contract and application do not exist for demo users."""
    assert call(world, method, path, "admin", tenant=RIVAL).status_code == 404


def test_a_created_application_names_its_number_status_and_masked_payment(world):
    """201 with the number, Location, payment label only, and the onboarding started."""
    _app, api, ids = world
    with time_machine.travel(T0, tick=False):
        response = api.post(f"{PREFIX}/season-applications", "agent",
                            json=body(ids["demo"][0], name="Eva"))
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
    _app, api, ids = world
    with time_machine.travel(T0, tick=False):
        response = api.post(f"{PREFIX}/season-applications", "agent",
                             json=body(ids["demo"][0], **change))
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_a_contract_shows_its_vehicles_paid_up_day_and_credentials(world):
    """GET /contracts/{id}: the columns invoicing reads, and access data."""
    shown = call(world, "GET", "/contracts/{}", "supervisor").get_json()
    assert (shown["number"], shown["monthly_price_cents"], shown["ends_on"]) == (
        "SP-900001", 9000, None)
    assert shown["last_paid_day"] is None and shown["credentials"] == []
    assert (shown["access_until"], shown["access_revoked_on"]) == (None, None)   # no invoice

"""Season-parker fixtures: an app mailing to a real SMTP server, the onboarding deployed, a
car park with products, and helpers that submit applications and drive the process."""
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import clock
from processes.accounts.services import seed_demo
from processes.bookings.models import Site
from processes.payments import make_provider
from processes.seasonparking.applications import ApplicationRequest, submit_application
from processes.seasonparking.models import Application, Product
from processes.seasonparking.onboarding import start_onboarding
from webapp.extensions import db as _db

LIBRARY = Path(__file__).resolve().parents[3] / "library"
TENANT = "demo"
SENDER = "season@demo.example.test"
OK_CARD = "4242 4242 4242 4242"


@pytest.fixture
def season_app(make_app, smtp):
    """The app with every table, the demo users, and mail going to the test server."""
    app = make_app(MAIL_HOST="127.0.0.1", MAIL_PORT=smtp.port, MAIL_SENDER=SENDER,
                   MAIL_TIMEOUT=2.0)
    with app.app_context():
        _db.create_all()
        seed_demo(_db.session)
        _db.session.commit()
    return app


@pytest.fixture
def eng(season_app, clock):
    """The app's engine with season_parker_onboarding deployed in the demo tenant."""
    engine = season_app.extensions["parkops"]
    path = LIBRARY / "season_parker_onboarding.bpmn"
    engine.deploy(path.read_bytes(), path.name, TENANT, actor="designer")
    return engine


@pytest.fixture
def session(season_app):
    """A plain session on the app's database."""
    with season_app.app_context():
        sa_engine = _db.engine
    with Session(sa_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def site(session):
    """Car park BRU-C in Brussels: 4 places, 2 of them season places (50 %)."""
    site = Site(tenant=TENANT, code="BRU-C", name="Brussels Central", timezone="Europe/Brussels",
                country="BE", capacity=4)
    session.add(site)
    session.commit()
    return site


@pytest.fixture
def product(session, site):
    """"24/7 reserved" at BRU-C: EUR 120.00 a month, one vehicle."""
    product = Product(tenant=TENANT, code="BRU-C-247", name="24/7 reserved", site_id=site.id,
                      monthly_price_cents=12000, max_vehicles=1, active=True)
    session.add(product)
    session.commit()
    return product


@pytest.fixture
def provider(season_app):
    """The sandbox payment provider on the app's database."""
    with season_app.app_context():
        return make_provider(sessionmaker(bind=_db.engine))


@pytest.fixture
def apply(session, eng, site, product, provider):
    """Submit an application (card 4242... unless told) and start its onboarding."""

    def submit(name="Ann Peeters", email="ann@example.test", plates=("1-ABC-234",),
               card=OK_CARD, iban=None, discount=0, starts_on=None, term=0, channel="web"):
        payment = {}
        if card:
            payment = {"method": "card", "card_number": card, "card_exp_month": 12,
                       "card_exp_year": 2030, "card_cvc": "123"}
        if iban:
            payment = {"method": "sepa", "iban": iban}
        request = ApplicationRequest(
            site_id=site.id, product_id=product.id, name=name, email=email,
            vehicles=[(p, "BE") for p in plates], starts_on=starts_on or date(2026, 3, 9),
            term_months=term, discount_percent=discount, payment=payment)
        application = submit_application(session, provider, TENANT, request, channel, "test")
        session.commit()
        start_onboarding(eng, application, "test")
        session.commit()
        return application
    return submit


def drive(eng):
    """Run service jobs until none is due; how many ran."""
    total = 0
    while (ran := eng.run_due_jobs()):
        total += ran
    return total


def open_task(eng, application, name=None):
    """The open human task of the application's instance (optionally by name)."""
    tasks = [t for t in eng.instance_tasks(application.instance_id) if t.status == "open"
             and (name is None or t.name == name)]
    assert len(tasks) == 1, [t.name for t in eng.instance_tasks(application.instance_id)]
    return tasks[0]


def fresh(session):
    """End the session's read transaction and forget loaded rows: the next read sees the
    latest commit (SQLite WAL keeps a snapshot per read transaction)."""
    session.rollback()
    session.expire_all()


def reload(session, application):
    """The application as stored now."""
    fresh(session)
    return session.get(Application, application.id)


def now():
    """The frozen clock's now."""
    return clock.now()


def incidents(eng):
    """Open incidents' messages (for assertion messages)."""
    return [i.message for i in eng.incidents(TENANT)]


def job_errors(session):
    """Last errors of service jobs that failed at least once."""
    from engine import Job
    fresh(session)
    return [(j.handler, j.last_error) for j in session.query(Job).filter(Job.last_error.isnot(None))]

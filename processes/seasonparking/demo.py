"""Demo season parkers: two products per demo site, ~30 active contracts with access, and two
applications whose onboarding waits at "Check documents" in the basket.

Runs after the bookings seeder (which creates the sites) and after the library deploy (the
onboarding process must exist). Without sites it creates nothing. Idempotent: a tenant that
already has season products is left alone.
"""
import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine import Engine, NotFound, clock
from processes.bookings.models import Customer, Site, Vehicle
from processes.notifications import NotificationSettings
from processes.payments import make_provider

from . import defaults, rules
from .applications import ApplicationRequest
from .credentials import grant_access
from .models import Contract, ContractVehicle, Product
from .numbering import next_number
from .onboarding import apply
from .status import ContractStatus

SEED = 20260302
CONTRACTS = 30
# code suffix, name, share of the list price, max vehicles
PRODUCTS = (("247", "24/7 reserved", 1.0, 1), ("WD", "Weekdays 7-19", 0.6, 2))
BASE_PRICE_CENTS = {"BE": 14500, "NL": 16500, "PT": 7500, "PL": 6000}
PLATES = {"BE": "1-{L}{L}{L}-{D}{D}{D}", "NL": "{L}{L}-{D}{D}-{L}{L}",
          "PT": "{D}{D}-{L}{L}-{D}{D}", "PL": "W{L} {D}{D}{D}{D}{D}"}
NAMES = ("Lucas Peeters", "Emma Janssens", "Daan de Jong", "Julia Jansen", "João Silva",
         "Maria Santos", "Jan Kowalski", "Anna Nowak", "Louis Maes", "Tess Visser")
PENDING = (("Olivia Claes", "olivia.claes@example.test", "1-QRS-123"),
           ("Sem Bakker", "sem.bakker@example.test", "KL-12-MN"))


def seed(session, tenant_key):
    """Create the season demo unless the tenant has season products; a one-line summary."""
    if session.scalar(select(func.count()).select_from(Product).where(
            Product.tenant == tenant_key)):
        return None
    sites = list(session.scalars(select(Site).where(Site.tenant == tenant_key).order_by(Site.id)))
    if not sites:
        return "Season parkers demo: no sites, so no products or contracts were created."
    products = [_product(session, tenant_key, site, *spec) for site in sites for spec in PRODUCTS]
    session.commit()
    randomness = random.Random(SEED)
    for index in range(CONTRACTS):
        _contract(session, tenant_key, randomness.choice(products), index, randomness)
    session.commit()
    started = _pending_applications(session, tenant_key, products[0])
    return (f"Season parkers demo: {len(products)} products, {CONTRACTS} active contracts, "
            f"{started} applications waiting for the document check.")


def _product(session, tenant, site, suffix, name, share, max_vehicles):
    product = Product(tenant=tenant, code=f"{site.code}-{suffix}", name=name, site_id=site.id,
                      monthly_price_cents=int(BASE_PRICE_CENTS.get(site.country, 10000) * share),
                      max_vehicles=max_vehicles, active=True)
    session.add(product)
    return product


def _contract(session, tenant, product, index, randomness):
    site = product.site
    name = NAMES[index % len(NAMES)]
    customer = Customer(tenant=tenant, name=name, language="en", created_at=clock.now(),
                        email=f"{name.lower().replace(' ', '.')}.{index}@example.test")
    session.add(customer)
    session.flush()
    vehicle = Vehicle(tenant=tenant, customer_id=customer.id, country=site.country,
                      plate=_plate(site.country, randomness))
    session.add(vehicle)
    today = rules.site_today(site.timezone, clock.now())
    starts_on = today.replace(day=1) - timedelta(days=30 * randomness.randint(0, 14))
    term = randomness.choice((0, 0, 12))
    contract = Contract(
        tenant=tenant, number=next_number(session, Contract.number, Contract.tenant, tenant,
                                          defaults.CONTRACT_PREFIX),
        customer_id=customer.id, site_id=site.id, product_id=product.id,
        monthly_price_cents=product.monthly_price_cents, discount_percent=0,
        starts_on=starts_on.replace(day=1), ends_on=None, status=ContractStatus.ACTIVE,
        payment_method="card", payment_token=None, payment_label="Visa •••• 4242",
        created_at=clock.now())
    if term:
        contract.ends_on = rules.contract_end(contract.starts_on, term)
        if contract.ends_on < today:
            contract.ends_on = rules.renewed_end(contract.ends_on, 12)
    session.add(contract)
    session.flush()
    session.add(ContractVehicle(contract_id=contract.id, vehicle_id=vehicle.id,
                                added_on=contract.starts_on))
    session.flush()
    grant_access(session, contract)


def _plate(country, randomness):
    from processes.bookings.plates import normalise
    pattern = PLATES.get(country, "{L}{L}{D}{D}{D}")
    text = "".join(randomness.choice("ABCDEFGHJKLMNPRSTVXZ") if part == "L" else
                   str(randomness.randint(1, 9)) if part == "D" else part
                   for part in pattern.replace("{L}", "L").replace("{D}", "D"))
    return normalise(text)


def _pending_applications(session, tenant, product):
    """Two applications through the real onboarding, up to the document check."""
    from processes.registry import build_service_registry
    bind = session.get_bind()
    factory = sessionmaker(bind=bind)
    eng = Engine(bind, services=build_service_registry(factory, NotificationSettings()))
    site = product.site
    started = 0
    for name, email, plate in PENDING:
        request = ApplicationRequest(
            site_id=site.id, product_id=product.id, name=name, email=email,
            vehicles=[(plate, site.country)],
            starts_on=rules.site_today(site.timezone, clock.now()) + timedelta(days=14),
            payment={"method": "sepa", "iban": "DE89370400440532013000"})
        with sessionmaker(bind=bind, expire_on_commit=False)() as write_session:
            try:
                apply(eng, write_session, make_provider(factory), tenant, request, "web", "demo")
            except NotFound:        # the library was not deployed: no process to start
                return started
        started += 1
    while eng.run_due_jobs():
        pass
    return started

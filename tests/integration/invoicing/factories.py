"""Factories of the invoicing tests: a tenant's site, customers and contracts, in bulk."""
from datetime import date, datetime, timezone

from sqlalchemy import insert, select

import processes.invoicing.models  # noqa: F401  (tables on Base.metadata)
from processes.accounts.models import Tenant
from processes.bookings.models import Customer, Site
from processes.seasonparking.models import Contract, Product

CREATED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def make_site(session, tenant="acme", code="BRU-C", zone="Europe/Brussels"):
    """A tenant (when missing) and one of its sites; returns the site."""
    if session.scalar(select(Tenant).where(Tenant.key == tenant)) is None:
        session.add(Tenant(key=tenant, name=tenant.title(), timezone=zone))
    site = Site(tenant=tenant, code=code, name=f"Site {code}", timezone=zone, country="BE",
                capacity=500)
    session.add(site)
    session.flush()
    return site


def make_product(session, site, price=10000, code=None):
    """A season product at `site`."""
    product = Product(tenant=site.tenant, code=code or f"P-{site.code}", name="24/7 reserved",
                      site_id=site.id, monthly_price_cents=price)
    session.add(product)
    session.flush()
    return product


def make_contracts(session, site, count, price=10000, starts_on=date(2026, 1, 1),
                   ends_on=None, status="active", token="tok_ok", first=1, email=None):
    """`count` contracts (one customer each) at `site`, inserted in bulk; returns their ids."""
    product = session.scalar(select(Product).where(Product.site_id == site.id)) \
        or make_product(session, site, price)
    customers = session.scalars(insert(Customer).returning(Customer.id,
                                                           sort_by_parameter_order=True), [
        dict(tenant=site.tenant, name=f"Customer {n}", email=email or f"c{n}@example.test",
             language="en", created_at=CREATED) for n in range(first, first + count)]).all()
    return session.scalars(insert(Contract).returning(Contract.id, sort_by_parameter_order=True), [
        dict(tenant=site.tenant, number=f"SP-{site.code}-{n:06d}", customer_id=customer_id,
             site_id=site.id, product_id=product.id, monthly_price_cents=price,
             discount_percent=0, starts_on=starts_on, ends_on=ends_on, status=status,
             payment_method="card" if token else None, payment_token=token,
             created_at=CREATED)
        for n, customer_id in zip(range(first, first + count), customers)]).all()


def make_contract(session, site, **kwargs):
    """One contract; returns it."""
    [contract_id] = make_contracts(session, site, 1, first=kwargs.pop("first", 1), **kwargs)
    return session.get(Contract, contract_id)


def give_plate(session, contract, plate="1ABC123"):
    """A vehicle on the contract and its access credential (issued as the onboarding does)."""
    from processes.bookings.models import Vehicle
    from processes.seasonparking.credentials import grant_access
    from processes.seasonparking.models import ContractVehicle
    vehicle = Vehicle(tenant=contract.tenant, customer_id=contract.customer_id, plate=plate,
                      country="BE")
    session.add(vehicle)
    session.flush()
    session.add(ContractVehicle(contract_id=contract.id, vehicle_id=vehicle.id,
                                added_on=contract.starts_on))
    session.flush()
    session.expire(contract, ["vehicles"])
    grant_access(session, contract)

"""Customers and vehicles of season parkers (the shared bookings tables), found or added."""
from sqlalchemy import select

from engine import clock
from processes.bookings.models import Customer, Vehicle


def customer_of(session, app):
    """The application's customer: already linked, found by e-mail, or new."""
    if app.customer_id is not None:
        return session.get(Customer, app.customer_id)
    customer = session.scalars(select(Customer).where(
        Customer.tenant == app.tenant, Customer.email == app.email).limit(1)).first()
    if customer is None:
        customer = Customer(tenant=app.tenant, name=app.name, email=app.email, phone=app.phone,
                            language=app.language, created_at=clock.now())
        session.add(customer)
        session.flush()
    return customer


def vehicle_of(session, customer, plate, country):
    """The customer's vehicle with this (normalised) plate, added when missing."""
    vehicle = session.scalars(select(Vehicle).where(
        Vehicle.tenant == customer.tenant, Vehicle.customer_id == customer.id,
        Vehicle.plate == plate).limit(1)).first()
    if vehicle is None:
        vehicle = Vehicle(tenant=customer.tenant, customer_id=customer.id, plate=plate,
                          country=country)
        session.add(vehicle)
        session.flush()
    return vehicle

"""What the season-parker views share: write sessions, the payment provider, form errors."""
from contextlib import contextmanager

from flask import current_app
from sqlalchemy.orm import Session, sessionmaker
from wtforms import SelectChoice

from engine.db import writer
from processes.payments import make_provider
from processes.seasonparking.applications import ApplicationRequest, offer

from ..extensions import db

# Domain field names -> form fields that show their messages.
FIELD_OF = {"site": "product", "vehicles": "plate_1", "vehicle_1": "plate_1",
            "vehicle_2": "plate_2", "vehicle_3": "plate_3", "card_expiry": "card_exp_month"}


@contextmanager
def writing():
    """A session whose transactions take SQLite's write lock up front (as the engine's do)."""
    with Session(writer(db.engine), expire_on_commit=False) as session:
        yield session


def provider():
    """The payment provider on the app's database."""
    return make_provider(sessionmaker(bind=db.engine),
                         current_app.config.get("PAYMENT_PROVIDER", "sandbox"))


def product_choices(tenant):
    """(id, "Car park — product (price)") of every product on sale."""
    return [SelectChoice(p.id, f"{site.name} — {p.name} "
                               f"(€ {p.monthly_price_cents / 100:.2f} / month)")
            for site, products in offer(db.session, tenant) for p in products]


def request_from(form, session, tenant):
    """The ApplicationRequest of a (public or back-office) application form."""
    from processes.seasonparking.models import Product
    product = session.get(Product, form.product.data) if form.product.data else None
    return ApplicationRequest(
        site_id=product.site_id if product is not None and product.tenant == tenant else None,
        product_id=form.product.data, name=form.name.data, email=form.email.data,
        phone=form.phone.data, vehicles=form.vehicles(), starts_on=form.starts_on.data or "",
        term_months=form.term_months.data,
        discount_percent=getattr(form, "discount_percent", None) and form.discount_percent.data,
        notes=getattr(form, "notes", None) and form.notes.data,
        payment=form.payment() if form.payment_method.data else {})


def show_errors(form, errors):
    """Put the domain's per-field messages on the form's fields (others on the form)."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for name, message in errors.items():
        field = getattr(form, FIELD_OF.get(name, name), None)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]

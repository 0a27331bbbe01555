"""Service-task handlers of season_parker_onboarding.bpmn, registered by name.

Each handler reloads the application by id, changes it in one write transaction, and is safe
to run twice (a job may run again after a crash): lookups before inserts, idempotency keys
named after the engine job for the payment provider, a mail log keyed by the job.
"""
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine import clock
from engine.db import writer
from processes.bookings.models import Customer, Vehicle

from . import defaults, mail, rules
from .credentials import grant_access
from .customers import customer_of, vehicle_of
from .models import Application, Contract, ContractVehicle
from .numbering import next_number
from .places import place_available
from .status import ApplicationStatus, ContractStatus

NAMES = ("season_check_eligibility", "season_reserve_place", "season_register_vehicles",
         "season_set_tariff", "season_draft_contract", "season_verify_payment",
         "season_issue_access", "season_send_welcome", "season_refuse")


def register(registry, session_factory, provider, mail_settings):
    """Add every onboarding handler to `registry`."""
    handlers = OnboardingHandlers(session_factory, provider, mail_settings)
    for name in NAMES:
        registry.add(name, getattr(handlers, name.removeprefix("season_")))


class OnboardingHandlers:
    """The handlers, sharing a writer session factory, the payment provider and mail settings."""

    def __init__(self, session_factory, provider, mail_settings):
        self._read = session_factory
        self._write = sessionmaker(bind=writer(session_factory.kw["bind"]),
                                   expire_on_commit=False)
        self.provider = provider
        self.mail = mail_settings

    @contextmanager
    def application(self, call):
        """The call's application in a write transaction, committed when the block ends."""
        with self._write() as session:
            found = session.get(Application, int(call.variables["application_id"]))
            if found is None or found.tenant != call.tenant:
                raise LookupError(f"application {call.variables['application_id']} not found")
            yield session, found
            session.commit()

    def check_eligibility(self, call):
        """eligible: no rule stops the application (reasons kept as the refusal reason)."""
        with self.application(call) as (session, app):
            problems = rules.eligibility_problems(
                product_active=app.product.active,
                product_at_site=app.product.site_id == app.site_id,
                starts_on=app.starts_on, today=_today(app),
                plates_in_use=plates_in_use(session, app))
            shown = {"applicant": app.name, "site_name": app.site.name,
                     "product_name": app.product.name}
        if problems:
            return {"eligible": False, "refusal_reason": " ".join(problems), **shown}
        return {"eligible": True, **shown}

    def reserve_place(self, call):
        """place_available: the application now holds a place; otherwise it is waitlisted."""
        with self.application(call) as (session, app):
            if app.holds_place or place_available(session, app, _today(app)):
                app.holds_place, app.status = True, ApplicationStatus.IN_REVIEW
            else:
                app.status = ApplicationStatus.WAITLISTED
                app.waitlisted_at = app.waitlisted_at or clock.now()
            return {"place_available": app.holds_place}

    def register_vehicles(self, call):
        """The applicant becomes a customer (found by e-mail) with the application's vehicles."""
        with self.application(call) as (session, app):
            customer = customer_of(session, app)
            for wanted in app.vehicles:
                vehicle_of(session, customer, wanted["plate"], wanted["country"])
            app.customer_id = customer.id
            return {"vehicle_count": len(app.vehicles),
                    "plate_warnings": sum(1 for v in app.vehicles if v.get("warning"))}

    def set_tariff(self, call):
        """The net monthly price after discount, and why (if at all) a supervisor must approve."""
        with self.application(call) as (session, app):
            app.monthly_price_cents = rules.monthly_price(app.product.monthly_price_cents,
                                                          app.discount_percent)
            app.unusual = rules.unusual_reasons(
                vehicle_count=len(app.vehicles), product_max_vehicles=app.product.max_vehicles,
                discount_percent=app.discount_percent)
            return {"monthly_price_cents": app.monthly_price_cents, "unusual": bool(app.unusual)}

    def draft_contract(self, call):
        """A pending contract with the application's vehicles (drafted once)."""
        with self.application(call) as (session, app):
            contract = app.contract or _draft(session, app)
            return {"contract_id": contract.id, "contract_number": contract.number}

    def verify_payment(self, call):
        """payment_status from the provider's verification of the method on the application."""
        with self.application(call) as (session, app):
            if not app.payment_token:
                app.status, app.payment_status = ApplicationStatus.PAYMENT, "missing"
                app.payment_message = "No payment method was given."
                return _payment_variables(app)
            token, key = app.payment_token, f"{call.tenant}:{app.number}:verify:{call.job_id}"
        result = self.provider.verify(token, idempotency_key=key)
        with self.application(call) as (session, app):
            if app.payment_token != token:       # replaced meanwhile: verify the new one
                return {"payment_status": "soft_declined", "payment_retry": True}
            if app.payment_check_key != key:     # a job run twice counts one attempt
                app.payment_attempts += 1
                app.payment_check_key = key
            app.payment_status, app.payment_message = str(result.status), result.message
            app.status = ApplicationStatus.PAYMENT
            if result.succeeded:
                app.status = (ApplicationStatus.APPROVAL if app.unusual
                              else ApplicationStatus.IN_REVIEW)
                contract = app.contract
                contract.payment_method, contract.payment_token = app.payment_method, token
                contract.payment_label = app.payment_label
            return _payment_variables(app)

    def issue_access(self, call):
        """The contract is in force and its plates are whitelisted (up to paid.access_until)."""
        with self.application(call) as (session, app):
            contract = app.contract
            contract.status = ContractStatus.ACTIVE
            grant_access(session, contract)
            app.status, app.decided_at = ApplicationStatus.ONBOARDED, clock.now()
            return {"access_issued": True}

    def send_welcome(self, call):
        """The welcome e-mail to the new season parker (once)."""
        with self._read() as session:
            app = session.get(Application, int(call.variables["application_id"]))
            contract = app.contract
            context = {
                "name": app.name, "site_name": app.site.name, "operator": app.tenant,
                "contract_number": contract.number, "product_name": app.product.name,
                "starts_on": contract.starts_on.isoformat(),
                "ends_on": contract.ends_on.isoformat() if contract.ends_on else None,
                "price": mail.euros(contract.monthly_price_cents),
                "payment_label": contract.payment_label or "",
                "plates": [v["plate"] for v in app.vehicles]}
            address = app.email
        sent = mail.send_once(self._read, self.mail, call, "welcome", address, context)
        return {"welcome_sent": sent}

    def refuse(self, call):
        """The application is refused with a reason; its place and draft contract are let go."""
        reason = refusal_reason(call.variables)
        with self.application(call) as (session, app):
            app.status, app.refusal_reason = ApplicationStatus.REFUSED, reason
            app.holds_place, app.decided_at = False, clock.now()
            if app.contract is not None and app.contract.status == ContractStatus.PENDING:
                app.contract.status = ContractStatus.CANCELLED
            context = {"name": app.name, "application_number": app.number,
                       "site_name": app.site.name, "reason": reason, "operator": app.tenant}
            address = app.email
        sent = mail.send_once(self._read, self.mail, call, "refusal", address, context)
        return {"refusal_sent": sent}


def refusal_reason(variables):
    """Why the application was refused, from the latest decision taken in the process."""
    def with_note(text, key):
        note = str(variables.get(key) or "").strip()
        return f"{text} {note}" if note else text
    if variables.get("approval") == "reject":
        return with_note("The application was not approved.", "approval_note")
    if variables.get("payment_decision") == "refuse":
        return with_note("No usable payment method could be set up.", "payment_note")
    if variables.get("payment_status") == "hard_declined":
        return f"The payment method was refused: {variables.get('payment_message', '')}".strip()
    if variables.get("document_decision") == "reject":
        return with_note("The documents could not be accepted.", "document_note")
    return variables.get("refusal_reason") or "The application could not be accepted."


def plates_in_use(session, app):
    """The application's plates already on a contract in force at the same site."""
    plates = [v["plate"] for v in app.vehicles]
    rows = session.scalars(
        select(Vehicle.plate).join(ContractVehicle, ContractVehicle.vehicle_id == Vehicle.id)
        .join(Contract, Contract.id == ContractVehicle.contract_id)
        .where(Contract.tenant == app.tenant, Contract.site_id == app.site_id,
               Contract.status.in_([ContractStatus.ACTIVE, ContractStatus.PENDING]),
               ContractVehicle.removed_on.is_(None), Vehicle.plate.in_(plates),
               Contract.id != (app.contract_id or 0)))
    return set(rows)


def _payment_variables(app):
    retry = app.payment_attempts < defaults.PAYMENT_VERIFY_ATTEMPTS
    return {"payment_status": app.payment_status, "payment_attempts": app.payment_attempts,
            "payment_message": app.payment_message or "", "payment_retry": retry}


def _today(app):
    return rules.site_today(app.site.timezone, clock.now())


def _draft(session, app):
    contract = Contract(
        tenant=app.tenant, customer_id=app.customer_id, site_id=app.site_id,
        number=next_number(session, Contract.number, Contract.tenant, app.tenant,
                           defaults.CONTRACT_PREFIX),
        product_id=app.product_id, monthly_price_cents=app.monthly_price_cents,
        discount_percent=app.discount_percent, starts_on=app.starts_on,
        ends_on=rules.contract_end(app.starts_on, app.term_months),
        status=ContractStatus.PENDING, created_at=clock.now(), application_id=app.id)
    session.add(contract)
    session.flush()
    customer = session.get(Customer, app.customer_id)
    for wanted in app.vehicles:
        vehicle = vehicle_of(session, customer, wanted["plate"], wanted["country"])
        session.add(ContractVehicle(contract_id=contract.id, vehicle_id=vehicle.id,
                                    added_on=app.starts_on))
    app.contract_id = contract.id
    session.flush()
    return contract

"""Invoicing API: monthly runs, invoices of a contract, statements (thin: parse, call, answer)."""
from functools import wraps

from flask import abort, jsonify, request, url_for

from engine import InvalidVariables
from processes.invoicing import service, statements
from processes.invoicing.issuing import local_today, terms_of
from processes.invoicing.money import InvalidPeriod, euros
from processes.seasonparking.models import Contract

from ..extensions import db
from ..invoicing import MANAGERS, READERS, launch
from . import bp, openapi, schemas
from .auth import api_user
from .routes import json_body
from .serializers import iso


def roles(*allowed):
    """View decorator: the token's user must hold one of `allowed` (else 403)."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not set(allowed) & set(api_user().roles):
                abort(403, description=f"Only {', '.join(sorted(allowed))} may do this.")
            return view(*args, **kwargs)
        return wrapped
    return decorate


@bp.post("/invoicing/runs")
@roles(*MANAGERS)
def start_invoicing_run():
    """Invoice every active contract for a month; 201 with the run (re-running is safe)."""
    body = json_body(RUN_REQUEST)
    try:
        run_id = launch.start_run(api_user().tenant, body["period"].strip(),
                                  api_user().username)
    except InvalidPeriod as error:
        raise InvalidVariables({"period": str(error)}) from None
    run = service.get_run(db.session, api_user().tenant, run_id)
    return jsonify(run_json(run)), 201, {"Location": url_for(".show_invoicing_run",
                                                             run_id=run_id)}


@bp.get("/invoicing/runs/<int:run_id>")
@roles(*READERS)
def show_invoicing_run(run_id):
    """A run with its progress and counts."""
    run = service.get_run(db.session, api_user().tenant, run_id)
    if run is None:
        abort(404, description="No such run.")
    return jsonify(run_json(run))


@bp.get("/invoices")
@roles(*READERS)
def list_contract_invoices():
    """The invoices and credit notes of a contract (?contract=<id>), newest first."""
    text = request.args.get("contract", "")
    if not (text.isascii() and text.isdigit()):
        raise InvalidVariables({"contract": "Give the contract id, a whole number."})
    contract = db.session.get(Contract, int(text))
    if contract is None or contract.tenant != api_user().tenant:
        abort(404, description="No such contract.")
    rows = service.list_invoices(db.session, api_user().tenant, contract_id=contract.id,
                                 limit=1000)
    return jsonify(contract=contract.id, invoices=[invoice_json(i) for i in rows])


@bp.get("/statements")
@roles(*READERS)
def show_statement():
    """The statement of the day, ISO week or month holding `date` (default today)."""
    today = local_today(terms_of(db.session, api_user().tenant))
    try:
        kind, day = statements.parse_request(request.args.get("period"),
                                             request.args.get("date"), today)
    except statements.InvalidStatement as refusal:
        raise InvalidVariables(refusal.errors) from None
    return jsonify(statement_json(statements.statement(db.session, api_user().tenant, kind, day)))


# -- answers --------------------------------------------------------------------------------
def run_json(run):
    """A run as JSON."""
    return {"id": run.id, "period": run.period, "status": run.status, "total": run.total,
            "processed": run.processed, "issued": run.issued, "skipped": run.skipped,
            "charged": run.charged, "declined": run.declined, "message": run.message,
            "started_at": iso(run.started_at), "finished_at": iso(run.finished_at)}


def invoice_json(invoice):
    """An invoice or credit note as JSON (amounts in cents)."""
    return {"id": invoice.id, "number": invoice.number, "kind": invoice.kind,
            "contract_id": invoice.contract_id, "billing_period": invoice.billing_period,
            "period_start": invoice.period_start.isoformat(),
            "period_end": invoice.period_end.isoformat(),
            "issued_on": invoice.issued_on.isoformat(), "due_on": invoice.due_on.isoformat(),
            "currency": invoice.currency, "net_cents": invoice.net_cents,
            "vat_cents": invoice.vat_cents, "gross_cents": invoice.gross_cents,
            "paid_cents": invoice.paid_cents, "credited_cents": invoice.credited_cents,
            "open_cents": invoice.open_cents, "status": invoice.status,
            "dunning_level": invoice.dunning_level,
            "credits_invoice_id": invoice.credits_invoice_id,
            "lines": [{"description": line.description, "revenue_stream": line.revenue_stream,
                       "days": line.days, "net_cents": line.net_cents,
                       "vat_rate": str(line.vat_rate), "vat_cents": line.vat_cents}
                      for line in invoice.lines]}


def statement_json(result):
    """A statement as JSON (amounts in cents)."""
    return {"period": result.kind, "first_day": result.first.isoformat(),
            "last_day": result.last.isoformat(), "currency": result.currency,
            "revenue_cents": result.revenue_cents, "vat_cents": result.vat_cents,
            "collected_cents": result.collected_cents, "issued": result.issued,
            "credit_notes": result.credit_notes, "paid": result.paid,
            "overdue": result.overdue, "overdue_cents": result.overdue_cents,
            "ageing": [{"bucket": label, "count": count, "open_cents": cents}
                       for label, count, cents in result.ageing],
            "occurrences": result.occurrences, "penalties": result.penalties,
            "days": [{"day": day.isoformat(), "revenue_cents": revenue,
                      "collected_cents": collected} for day, revenue, collected in result.series],
            "notes": list(result.notes),
            "revenue": euros(result.revenue_cents)}


# -- schemas and documentation --------------------------------------------------------------
_STR, _INT = {"type": "string"}, {"type": "integer"}
_DATE = {"type": "string", "format": "date"}
RUN_REQUEST = schemas._object(("period",), {
    "period": {"type": "string", "minLength": 1, "maxLength": 7, "pattern": r"^\d{4}-\d{2}$",
               "description": "The month to invoice, YYYY-MM."},
}, additionalProperties=False)
INVOICING_RUN = schemas._object(
    ("id", "period", "status", "total", "processed", "issued", "skipped", "charged",
     "declined"), {
        "id": _INT, "period": _STR, "status": {"enum": ["running", "done", "failed"]},
        "total": _INT, "processed": _INT, "issued": _INT,
        "skipped": {**_INT, "description": "Contracts that already had the month's invoice."},
        "charged": {**_INT, "description": "Invoices paid by their first charge."},
        "declined": {**_INT, "description": "Invoices whose first charge failed; each has an "
                                            "invoice_collection process."},
        "message": schemas._nullable("string"), "started_at": schemas.TIMESTAMP,
        "finished_at": schemas.NULLABLE_TIMESTAMP})
INVOICE_LINE = schemas._object(("description", "net_cents", "vat_rate", "vat_cents"), {
    "description": _STR, "revenue_stream": _STR, "days": _INT, "net_cents": _INT,
    "vat_rate": {"type": "string", "description": "A fraction, e.g. 0.2100"},
    "vat_cents": _INT})
INVOICE = schemas._object(
    ("id", "number", "kind", "contract_id", "gross_cents", "open_cents", "status", "lines"), {
        "id": _INT, "number": _STR, "kind": {"enum": ["invoice", "credit_note"]},
        "contract_id": _INT, "billing_period": schemas._nullable("string"),
        "period_start": _DATE, "period_end": _DATE, "issued_on": _DATE, "due_on": _DATE,
        "currency": _STR, "net_cents": _INT, "vat_cents": _INT, "gross_cents": _INT,
        "paid_cents": _INT, "credited_cents": _INT, "open_cents": _INT,
        "status": {"enum": ["open", "paid", "credited", "issued"]},
        "dunning_level": _INT, "credits_invoice_id": schemas._nullable("integer"),
        "lines": {"type": "array", "items": schemas._ref("InvoiceLine")}})
INVOICE_LIST = schemas._object(("contract", "invoices"), {
    "contract": _INT, "invoices": {"type": "array", "items": schemas._ref("Invoice")}})
STATEMENT = schemas._object(
    ("period", "first_day", "last_day", "revenue_cents", "issued", "paid", "overdue",
     "ageing", "occurrences", "penalties", "days"), {
        "period": {"enum": list(statements.KINDS)}, "first_day": _DATE, "last_day": _DATE,
        "currency": _STR, "revenue_cents": _INT, "vat_cents": _INT, "collected_cents": _INT,
        "issued": _INT, "credit_notes": _INT, "paid": _INT, "overdue": _INT,
        "overdue_cents": _INT,
        "ageing": {"type": "array", "items": schemas._object(
            ("bucket", "count", "open_cents"), {"bucket": _STR, "count": _INT,
                                                "open_cents": _INT})},
        "occurrences": _INT, "penalties": _INT,
        "days": {"type": "array", "items": schemas._object(
            ("day", "revenue_cents", "collected_cents"),
            {"day": _DATE, "revenue_cents": _INT, "collected_cents": _INT})},
        "notes": {"type": "array", "items": _STR}, "revenue": _STR})

_RUN_ID = {"name": "run_id", "in": "path", "required": True, "schema": _INT}
_CONTRACT = {"name": "contract", "in": "query", "required": True, "schema": _INT,
             "description": "Contract id."}
_PERIOD = {"name": "period", "in": "query", "schema": {"enum": list(statements.KINDS),
                                                        "default": "day"}}
_DAY = {"name": "date", "in": "query", "schema": _DATE,
        "description": "A day inside the statement's period (default: today)."}
_ok = openapi._ok
openapi.extend({
    "/invoicing/runs": {"post": openapi._op(
        "startInvoicingRun", "Invoice every active contract for a month",
        {"201": {**_ok("The run (finished, or running in the background).", "InvoicingRun"),
                 "headers": {"Location": {"schema": _STR}}},
         "400": "BadRequest", "403": "Forbidden", "422": "Invalid"},
        "invoicing", body=openapi._content("InvoicingRunRequest"),
        description="For supervisors and admins. Safe to repeat: contracts that already have "
                    "the month's invoice are skipped.")},
    "/invoicing/runs/{run_id}": {"get": openapi._op(
        "getInvoicingRun", "A run's progress and counts",
        {"200": _ok("The run.", "InvoicingRun"), "403": "Forbidden", "404": "NotFound"},
        "invoicing", params=[_RUN_ID], description="For back-office, supervisors and admins.")},
    "/invoices": {"get": openapi._op(
        "listInvoices", "Invoices and credit notes of a contract",
        {"200": _ok("Newest first.", "InvoiceList"), "403": "Forbidden",
         "404": "NotFound", "422": "Invalid"},
        "invoicing", params=[_CONTRACT], description="For back-office, supervisors and admins.")},
    "/statements": {"get": openapi._op(
        "getStatement", "Daily, weekly or monthly statement",
        {"200": _ok("The statement.", "Statement"), "403": "Forbidden", "422": "Invalid"},
        "invoicing", params=[_PERIOD, _DAY],
        description="For back-office, supervisors and admins. Weeks run Monday to Sunday.")},
}, {"InvoicingRunRequest": RUN_REQUEST, "InvoicingRun": INVOICING_RUN,
    "InvoiceLine": INVOICE_LINE, "Invoice": INVOICE, "InvoiceList": INVOICE_LIST,
    "Statement": STATEMENT}, tags=["invoicing"])

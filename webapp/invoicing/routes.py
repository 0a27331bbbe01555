"""Routes of the invoicing blueprint (thin: parse input, call one service, render)."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from processes.invoicing import alerts, journal, runs, service, statements
from processes.invoicing.issuing import local_today, terms_of
from processes.invoicing.money import InvalidPeriod

from ..access import roles_required
from ..extensions import db
from . import MANAGERS, READERS, bp, charts, launch
from .forms import CheckForm, CreditForm, RunForm

REFUSED = 422
PAGE_SIZE = 50


def _today():
    return local_today(terms_of(db.session, current_user.tenant))


@bp.get("/")
@roles_required(*READERS)
def index():
    """Dashboard: anomaly alerts, recent runs, today's figures, and the run form."""
    return _dashboard(RunForm(), CheckForm(day=_today()))


def _dashboard(run_form, check_form, status=200):
    tenant = current_user.tenant
    today = statements.statement(db.session, tenant, "day", _today())
    return render_template(
        "invoicing/index.html", run_form=run_form, check_form=check_form,
        alerts=alerts.recent_alerts(db.session, tenant), runs=runs.recent_runs(db.session, tenant),
        today=today, may_manage=bool(set(MANAGERS) & set(current_user.roles))), status


@bp.post("/runs")
@roles_required(*MANAGERS)
def start_run():
    """Start the monthly run of a month; its page shows the progress."""
    form = RunForm()
    if not form.validate_on_submit():
        return _dashboard(form, CheckForm(day=_today()), REFUSED)
    try:
        run_id = launch.start_run(current_user.tenant, form.period.data.strip(),
                                  current_user.username)
    except InvalidPeriod as error:
        form.period.errors = [*form.period.errors, str(error)]
        return _dashboard(form, CheckForm(day=_today()), REFUSED)
    return redirect(url_for(".run", run_id=run_id))


@bp.get("/runs/<int:run_id>")
@roles_required(*READERS)
def run(run_id):
    """A run's progress (the page reloads itself while the run is going)."""
    found = service.get_run(db.session, current_user.tenant, run_id)
    if found is None:
        abort(404)
    return render_template("invoicing/run.html", run=found)


@bp.get("/invoices")
@roles_required(*READERS)
def invoices():
    """Invoices and credit notes, newest first; ?contract= narrows to one contract."""
    contract = request.args.get("contract", "")
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    contract_id = int(contract) if contract.isdigit() else None
    rows = service.list_invoices(db.session, current_user.tenant, contract_id=contract_id,
                                 limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("invoicing/invoices.html", invoices=rows[:PAGE_SIZE],
                           has_next=len(rows) > PAGE_SIZE, page=page, contract=contract,
                           bad_contract=bool(contract) and contract_id is None)


@bp.get("/invoices/<int:invoice_id>")
@roles_required(*READERS)
def invoice(invoice_id):
    """One invoice or credit note with its lines, payments and credit notes."""
    return _invoice_page(_get_invoice(invoice_id), CreditForm())


@bp.post("/invoices/<int:invoice_id>/credit")
@roles_required(*MANAGERS)
def credit(invoice_id):
    """Issue a credit note on an invoice (the invoice itself never changes)."""
    found, form = _get_invoice(invoice_id), CreditForm()
    if not form.validate_on_submit():
        return _invoice_page(found, form), REFUSED
    cents = int((form.amount.data * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    try:
        note = service.issue_credit_note(db.session, current_user.tenant, found.id, cents,
                                         form.reason.data, current_user.username)
        db.session.commit()
    except service.CreditRefused as refusal:
        db.session.rollback()
        for field, message in refusal.errors.items():
            target = form.amount if field == "amount_cents" else form.reason
            target.errors = [*target.errors, message]
        return _invoice_page(_get_invoice(invoice_id), form), REFUSED
    flash(_("Credit note %(number)s was issued.", number=note.number), "info")
    return redirect(url_for(".invoice", invoice_id=note.id))


def _get_invoice(invoice_id):
    found = service.get_invoice(db.session, current_user.tenant, invoice_id)
    if found is None:
        abort(404)
    return found


def _invoice_page(found, form):
    return render_template("invoicing/invoice.html", invoice=found, form=form,
                           may_manage=bool(set(MANAGERS) & set(current_user.roles)))


@bp.get("/statements")
@roles_required(*READERS)
def statement_page():
    """The day's, week's or month's statement with charts."""
    result, errors = _statement()
    if errors:
        return render_template("invoicing/statements.html", result=None, errors=errors,
                               args=request.args), REFUSED
    return render_template(
        "invoicing/statements.html", result=result, errors={}, args=request.args,
        revenue_chart=charts.daily_bars(result.series, _("Revenue and collections per day")),
        ageing_chart=charts.ageing_bars(result.ageing, _("Open amounts by days past due")))


@bp.get("/statements.csv")
@roles_required(*READERS)
def statement_file():
    """The statement as a CSV download."""
    result, errors = _statement()
    if errors:
        abort(422, description="; ".join(errors.values()))
    name = f"statement-{result.kind}-{result.first.isoformat()}.csv"
    return _csv(statements.statement_csv(result), name)


def _statement():
    try:
        kind, day = statements.parse_request(request.args.get("period"),
                                             request.args.get("date"), _today())
    except statements.InvalidStatement as refusal:
        return None, refusal.errors
    return statements.statement(db.session, current_user.tenant, kind, day), {}


@bp.get("/journal")
@roles_required(*READERS)
def journal_page():
    """The accounting journal of a day, with its CSV download."""
    day, error = _day_arg()
    lines = journal.journal(db.session, current_user.tenant, day) if day else []
    return render_template("invoicing/journal.html", day=day or _today(), lines=lines,
                           error=error), REFUSED if error else 200


@bp.get("/journal.csv")
@roles_required(*READERS)
def journal_file():
    """The day's journal as CSV for the accounting system."""
    day, error = _day_arg()
    if error:
        abort(422, description=error)
    return _csv(journal.journal_csv(db.session, current_user.tenant, day),
                f"journal-{current_user.tenant}-{day.isoformat()}.csv")


def _day_arg():
    text = request.args.get("date")
    if not text:
        return _today(), None
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, _("Enter a date as YYYY-MM-DD.")


@bp.post("/alerts/check")
@roles_required(*MANAGERS)
def check():
    """Look for anomalies on a day now (new ones are e-mailed and listed)."""
    form = CheckForm()
    if not form.validate_on_submit():
        return _dashboard(RunForm(), form, REFUSED)
    db.session.rollback()
    found = alerts.check_anomalies(db.engine, current_user.tenant, form.day.data,
                                   launch.mail_settings())
    flash(_("%(count)s new alert(s).", count=len(found)), "info")
    return redirect(url_for(".index"))


def _csv(text, filename):
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.app_template_filter("invoicing_cents")
def _cents_filter(cents):
    """12345 -> 123.45 in the invoicing templates."""
    from processes.invoicing.money import euros
    return euros(cents or 0)

"""`flask invoicing-run`, `invoicing-check`, `invoicing-journal`: thin over processes.invoicing."""
import click
from flask import current_app
from flask.cli import with_appcontext

from processes.invoicing import alerts, journal, service
from processes.invoicing.money import InvalidPeriod

from ..extensions import db, get_engine
from . import launch

CLI_ACTOR = "cli"


def register(app):
    """Add the invoicing commands to `app.cli`."""
    for command in (run_command, check_command, journal_command):
        app.cli.add_command(command)


@click.command("invoicing-run")
@click.option("--period", required=True, help="Month to invoice, YYYY-MM.")
@click.option("--tenant", help="Organisation (default: config).")
@click.option("--no-collect", is_flag=True, help="Only issue invoices; charge nobody.")
@with_appcontext
def run_command(period, tenant, no_collect):
    """Invoice every active contract for a month (safe to run again), with a progress bar."""
    tenant = tenant or current_app.config["DEFAULT_TENANT"]
    bars = _Bars()
    try:
        figures = service.run_month(db.engine, get_engine(),
                                    None if no_collect else launch.provider(), tenant, period,
                                    actor=CLI_ACTOR, progress=bars.update)
    except InvalidPeriod as error:
        raise click.BadParameter(str(error), param_hint="--period") from None
    finally:
        bars.close()
    click.echo(f"Run {figures.id} for {period}: {figures.issued} issued, {figures.skipped} "
               f"already invoiced, {figures.charged} paid at once, {figures.declined} declined "
               "(collection started).")


class _Bars:
    """One click progress bar per phase of the run (issuing, then charging)."""

    LABELS = {"issue": "Issuing invoices", "charge": "First charges"}

    def __init__(self):
        self.phase, self.bar = None, None

    def update(self, phase, done, total):
        """Move the phase's bar to `done` of `total`, opening it on the phase's first call."""
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = click.progressbar(length=total, label=self.LABELS[phase], show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self):
        """Finish the open bar, if any."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("invoicing-check")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--tenant", help="Organisation (default: config).")
@with_appcontext
def check_command(day, tenant):
    """Look for anomalies on a day; new ones are stored, e-mailed and printed."""
    tenant = tenant or current_app.config["DEFAULT_TENANT"]
    found = alerts.check_anomalies(db.engine, tenant, day.date(), launch.mail_settings())
    for alert in found:
        click.echo(f"{alert.kind}: {alert.message}")
    click.echo(f"{len(found)} new alert(s).")


@click.command("invoicing-journal")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--tenant", help="Organisation (default: config).")
@with_appcontext
def journal_command(day, tenant):
    """Print a day's accounting journal as CSV."""
    tenant = tenant or current_app.config["DEFAULT_TENANT"]
    click.echo(journal.journal_csv(db.session, tenant, day.date()), nl=False)

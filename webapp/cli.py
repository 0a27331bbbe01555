"""`flask` commands: init, deploy, instances, tasks, signal. Each is thin over
engine/processes."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engine import defaults
from engine.errors import EngineError
from processes import demo as domain_demo
from processes import schedules
from processes.accounts import services as accounts

from .database import database_label, upgrade_schema
from .extensions import db, get_engine

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "library"
CLI_ACTOR = "cli"


def register(app):
    """Add the ParkOps commands to `app.cli`."""
    for command in (init_command, deploy_command, instances_command, tasks_command,
                    signal_command, scheduler_command):
        app.cli.add_command(command)
    from .invoicing import cli as invoicing_cli; invoicing_cli.register(app)  # noqa: E702


@click.command("init")
@click.option("--demo", is_flag=True, help="Also create the demo organisation and its users.")
@click.option("--tenant", help="Organisation the library is deployed to (default: config).")
@with_appcontext
def init_command(demo, tenant):
    """Create or upgrade the database and deploy the library; safe to run again."""
    click.echo(f"Database: {database_label()}")
    click.echo(upgrade_schema())
    if demo:
        created = accounts.seed_demo(db.session)
        db.session.commit()
        tenant = accounts.DEMO_TENANT[0]
        click.echo(f"Demo users created: {', '.join(created)}" if created
                   else "Demo users already present; left unchanged.")
    tenant = tenant or current_app.config["DEFAULT_TENANT"]
    library = sorted(LIBRARY_DIR.glob("*.dmn")) + sorted(LIBRARY_DIR.glob("*.bpmn"))
    click.echo(f"Library: {len(library)} file(s) for organisation {tenant!r}")
    _deploy_all([str(path) for path in library], tenant, dry_run=False)
    for name in schedules.ensure_rounds(get_engine(), tenant):
        click.echo(f"Daily round started: {name}")
    if demo:
        # After the library: demo cases may start processes from it.
        for summary in domain_demo.seed_all(db.session, accounts.DEMO_TENANT[0]):
            db.session.commit()
            click.echo(summary)
        _print_demo_logins()


@click.command("deploy")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--tenant", help="Organisation to deploy to (default: config).")
@click.option("--dry-run", is_flag=True, help="Validate only; deploy nothing.")
@with_appcontext
def deploy_command(files, tenant, dry_run):
    """Deploy BPMN/DMN files; prints KEY vN per process, or FILE:LINE: error and exits 1."""
    _deploy_all(files, tenant or current_app.config["DEFAULT_TENANT"], dry_run)


@click.command("instances")
@click.option("--tenant", help="Organisation (default: config).")
@click.option("--status", help="Only instances in this status (running, completed, ...).")
@click.option("--limit", default=defaults.PAGE_SIZE, show_default=True)
@with_appcontext
def instances_command(tenant, status, limit):
    """List process instances, newest first."""
    rows = get_engine().instances(tenant or current_app.config["DEFAULT_TENANT"],
                                  status=status, limit=limit)
    _print_table(
        ("ID", "PROCESS", "BUSINESS KEY", "STATUS", "STARTED (UTC)"),
        [(i.id, i.process_key, i.business_key, i.status, _when(i.started_at)) for i in rows],
    )


@click.command("tasks")
@click.option("--tenant", help="Organisation (default: config).")
@click.option("--role", help="Only tasks offered to this role.")
@click.option("--limit", default=defaults.PAGE_SIZE, show_default=True)
@with_appcontext
def tasks_command(tenant, role, limit):
    """List open human tasks, soonest due first."""
    rows = get_engine().open_tasks(tenant or current_app.config["DEFAULT_TENANT"],
                                   roles=[role] if role else None, limit=limit)
    _print_table(
        ("ID", "TASK", "PROCESS", "BUSINESS KEY", "ROLES", "ASSIGNEE", "DUE (UTC)"),
        [(t.id, t.name, t.process_key, t.business_key, ",".join(t.candidate_groups or ()),
          t.assignee, _when(t.due_at)) for t in rows],
    )


@click.command("signal")
@click.argument("name")
@click.option("--tenant", help="Organisation (default: config).")
@with_appcontext
def signal_command(name, tenant):
    """Broadcast signal NAME: every waiting instance hears it, signal start events start."""
    tenant = tenant or current_app.config["DEFAULT_TENANT"]
    received = get_engine().broadcast_signal(name.strip(), tenant)
    click.echo(f"signal {name.strip()!r}: {received} instance(s) received it or started "
               f"in {tenant}")


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Move due timers and outbox jobs to RQ, escalate overdue tasks, sweep lost work."""
    from tasks.queue import connect
    from tasks.scheduler import Scheduler

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.UsageError("the scheduler needs REDIS_URL; without it the embedded "
                               "runner of the web process does its work")
    click.echo(f"Scheduler on {database_label()} -> {url} (Ctrl-C stops it)")
    scheduler = Scheduler(get_engine(), connect(url))
    scheduler.stop_on_signals()
    scheduler.run()


def _deploy_all(files, tenant, dry_run):
    """Validate every file first, so one refused file means nothing is deployed."""
    sources = [(name, Path(name).read_bytes()) for name in files]
    checked = [_deploy_or_report(name, data, tenant, dry_run=True) for name, data in sources]
    if None in checked:
        raise click.exceptions.Exit(1)
    for (name, data), items in zip(sources, checked):
        if not dry_run:
            items = _deploy_or_report(name, data, tenant, dry_run=False)
            if items is None:
                raise click.exceptions.Exit(1)
        for item in items:
            click.echo(_deployed_line(item, dry_run))


def _deploy_or_report(name, data, tenant, dry_run):
    """The engine's Deployed list, or None after printing why the file was refused."""
    try:
        return get_engine().deploy(data, name, tenant, actor=CLI_ACTOR, dry_run=dry_run)
    except EngineError as error:
        # str(DefinitionError) is "FILE:LINE: what is wrong": one line, never a traceback.
        click.echo(str(error), err=True)
        return None


def _deployed_line(item, dry_run):
    notes = [] if item.created else ["unchanged"]
    if dry_run:
        notes.append("dry run")
    return f"{item.key} v{item.version}" + (f" ({', '.join(notes)})" if notes else "")


def _print_demo_logins():
    click.echo(f"Demo logins (organisation {accounts.DEMO_TENANT[0]!r}; password = user name):")
    _print_table(("USER", "PASSWORD", "ROLES"),
                 [(name, name, ", ".join(roles)) for name, roles in accounts.DEMO_USERS])


def _print_table(headers, rows):
    """Print left-aligned columns, or (none) when there is no row."""
    if not rows:
        click.echo("(none)")
        return
    cells = [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def _when(moment):
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""

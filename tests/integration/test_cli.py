"""The flask CLI: init, deploy, instances, tasks, signal."""
import re
from pathlib import Path

from sqlalchemy import func, select

from processes.accounts.models import Tenant, User
from webapp.extensions import db, get_engine

BPMN_DIR = Path(__file__).resolve().parents[1] / "data" / "bpmn"
MINIMAL = str(BPMN_DIR / "minimal.bpmn")
MALFORMED = str(BPMN_DIR / "malformed.bpmn")


def _account_counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Tenant.id))),
                db.session.scalar(select(func.count(User.id))))


def _start_minimal(app, business_key):
    with app.app_context():
        return get_engine().start("minimal", business_key=business_key, tenant="demo",
                                  actor="test")


def test_init_demo_twice_is_idempotent(make_app):
    """`init --demo` on an empty database creates 1 tenant and 4 users; a rerun adds nothing."""
    app = make_app()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init", "--demo"])
    assert first.exit_code == 0, first.output
    assert _account_counts(app) == (1, 4)
    for username in ("admin", "designer", "agent", "supervisor"):
        assert username in first.stdout

    second = runner.invoke(args=["init", "--demo"])
    assert second.exit_code == 0, second.output
    assert _account_counts(app) == (1, 4)
    assert "already present" in second.stdout


def test_init_starts_each_daily_round_once(make_app, clock):
    """`init` leaves the organisation's nightly housekeeping and morning finance round
    waiting on their timers; a rerun starts no second one."""
    app = make_app()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "Daily round started: season housekeeping (03:00)" in first.stdout
    assert "Daily round started: finance round (06:00)" in first.stdout
    again = runner.invoke(args=["init"])
    assert "Daily round started" not in again.stdout
    with app.app_context():
        waiting = get_engine().instances("demo", status="running")
    assert sorted(i.process_key for i in waiting) == ["finance_daily", "season_housekeeping"]
    assert {i.business_key for i in waiting} == {"season-housekeeping-2026-03-03",
                                                 "finance-2026-03-03"}


def test_init_demo_users_can_log_in(make_app):
    """After `init --demo` the printed demo login agent/agent opens the home page."""
    app = make_app()
    assert app.test_cli_runner().invoke(args=["init", "--demo"]).exit_code == 0
    client = app.test_client()
    response = client.post("/auth/login",
                           data={"tenant": "demo", "username": "agent", "password": "agent"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_deploy_prints_version_then_unchanged(app):
    """Deploying minimal.bpmn prints `minimal v1`; the same file again `minimal v1 (unchanged)`."""
    runner = app.test_cli_runner()
    first = runner.invoke(args=["deploy", MINIMAL, "--tenant", "demo"])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == ["minimal v1"]

    second = runner.invoke(args=["deploy", MINIMAL, "--tenant", "demo"])
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines() == ["minimal v1 (unchanged)"]


def test_deploy_malformed_prints_one_located_line(app):
    """A malformed file gives exit code 1 and one `FILE:LINE: message` line, no traceback."""
    result = app.test_cli_runner().invoke(args=["deploy", MALFORMED])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(re.escape(MALFORMED) + r":7: \S.*", lines[0]), lines[0]


def test_dry_run_deploys_nothing(app):
    """`deploy --dry-run` reports what would be deployed and leaves no definition behind."""
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["deploy", "--dry-run", MINIMAL, "--tenant", "demo"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == ["minimal v1 (dry run)"]
    with app.app_context():
        assert get_engine().definitions("demo") == []

    real = runner.invoke(args=["deploy", MINIMAL, "--tenant", "demo"])
    assert real.stdout.splitlines() == ["minimal v1"]


def test_one_refused_file_means_nothing_is_deployed(app):
    """When one of several files is refused, the valid ones are not deployed either."""
    result = app.test_cli_runner().invoke(args=["deploy", MINIMAL, MALFORMED, "--tenant", "demo"])
    assert result.exit_code == 1
    assert result.stdout == ""
    with app.app_context():
        assert get_engine().definitions("demo") == []


def test_tasks_lists_open_tasks_of_a_role(app):
    """`tasks --role back-office` lists the review task of minimal; another role sees none."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["deploy", MINIMAL, "--tenant", "demo"]).exit_code == 0
    _start_minimal(app, "CASE-1")

    mine = runner.invoke(args=["tasks", "--tenant", "demo", "--role", "back-office"])
    assert mine.exit_code == 0, mine.output
    assert "Review request" in mine.stdout
    assert "CASE-1" in mine.stdout

    other = runner.invoke(args=["tasks", "--tenant", "demo", "--role", "designer"])
    assert other.stdout.splitlines() == ["(none)"]


def test_instances_filters_by_status(app):
    """`instances --status running` lists a started instance; `--status completed` does not."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["deploy", MINIMAL, "--tenant", "demo"]).exit_code == 0
    instance_id = _start_minimal(app, "CASE-2")

    running = runner.invoke(args=["instances", "--tenant", "demo", "--status", "running"])
    assert running.exit_code == 0, running.output
    row = next(line for line in running.stdout.splitlines() if "CASE-2" in line)
    assert row.split()[:2] == [str(instance_id), "minimal"]

    done = runner.invoke(args=["instances", "--tenant", "demo", "--status", "completed"])
    assert done.stdout.splitlines() == ["(none)"]


def test_signal_reaches_waiting_instances_and_starts_listeners(app):
    """`signal NAME` broadcasts: the waiting notice moves on, the closure report starts."""
    runner = app.test_cli_runner()
    listeners = str(BPMN_DIR / "car_park_closed_listeners.bpmn")
    assert runner.invoke(args=["deploy", listeners, "--tenant", "demo"]).exit_code == 0
    with app.app_context():
        notice = get_engine().start("season_notice", "SEASON-5", tenant="demo", actor="test")
    result = runner.invoke(args=["signal", "car-park-closed", "--tenant", "demo"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "signal 'car-park-closed': 2 instance(s) received it or started in demo\n")
    with app.app_context():
        engine = get_engine()
        assert [t.name for t in engine.instance_tasks(notice)] == [
            "Tell parker about the closure"]
        assert [i.process_key for i in engine.instances("demo", status="running")
                if i.process_key == "closure_report"] == ["closure_report"]

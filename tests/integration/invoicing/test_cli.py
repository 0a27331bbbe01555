"""`flask invoicing-run`, `invoicing-journal` and `invoicing-check` on the app's database."""
from .factories import make_contracts, make_site


def test_the_cli_run_shows_progress_and_can_run_again(app, db, clock):
    """A progress bar, then the counts; the second run skips everything."""
    make_contracts(db, make_site(db, tenant="demo"), 5, token=None)
    db.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["invoicing-run", "--period", "2026-03"])
    assert first.exit_code == 0, first.output
    assert "Issuing invoices" in first.output
    assert "5 issued, 0 already invoiced" in first.output
    again = runner.invoke(args=["invoicing-run", "--period", "2026-03", "--no-collect"])
    assert "0 issued, 5 already invoiced" in again.output
    journal = runner.invoke(args=["invoicing-journal", "--date", "2026-03-02"])
    assert "season-parking,BRU-C,21.00,500.00,105.00,605.00,EUR,5,0" in journal.output
    check = runner.invoke(args=["invoicing-check", "--date", "2026-03-02"])
    assert "0 new alert(s)." in check.output


def test_a_bad_period_is_refused_without_a_traceback(app, clock):
    """--period 2026-3 exits 2 with the expected form in the message."""
    result = app.test_cli_runner().invoke(args=["invoicing-run", "--period", "2026-3"])
    assert result.exit_code == 2 and "YYYY-MM" in result.output
    assert "Traceback" not in result.output

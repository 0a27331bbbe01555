"""The demo seeder invoices last month and this month once, after the season-parking seeder."""
from sqlalchemy import func, select

from engine import ProcessInstance
from processes import demo as all_demos
from processes.invoicing import demo
from processes.invoicing.models import Invoice

from .factories import make_contracts, make_site


def test_the_demo_invoices_last_and_this_month_once(session, clock):
    """February and March are invoiced, every other contract paid up; a second run adds
    nothing; the daily finance round is waiting."""
    assert demo.seed(session, "demo") is None                  # no contract yet
    make_contracts(session, make_site(session, tenant="demo"), 4, token=None)
    summary = demo.seed(session, "demo")
    session.commit()
    assert summary.startswith("Invoicing: 4 invoice(s) for 2026-02 and 4 for 2026-03; "
                              "2 contract(s) paid both by transfer")
    assert demo.seed(session, "demo") is None
    statuses = session.execute(select(Invoice.status, func.count()).group_by(Invoice.status))
    assert sorted(statuses) == [("open", 4), ("paid", 4)]
    [round_] = session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_key == "finance_daily"))
    assert (round_.business_key, round_.status) == ("finance-2026-03-03", "running")


def test_the_invoicing_seeder_runs_after_the_season_parking_one():
    """Bookings, (penalties), occurrences, season parkers, then invoicing."""
    families = [path.split(".")[1] for path in all_demos.SEEDERS]
    expected = [f for f in ("bookings", "penalties", "occurrences", "seasonparking",
                            "invoicing") if f in families]
    assert families == expected

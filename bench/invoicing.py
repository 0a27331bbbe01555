"""Invoicing benchmark: a monthly run over 10,000 and 100,000 contracts on an SQLite file.

Run `python -m bench.invoicing` (`--sizes 1000` for a smoke run). For each size it fills a
fresh database with contracts (one customer each, a fifth starting mid-month so they are
prorated), then times: the monthly run (numbers, invoices, lines, run counters, batched
transactions), the same run again (everything skipped: the re-run safety check), and the first
charge of every invoice through an in-memory provider that declines one charge in twenty, each
decline starting an `invoice_collection` process on the real engine, each success moving the
contract's access credential to the paid-up day.
"""
import argparse
import platform
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

import time_machine
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

import processes.access.models  # noqa: F401
import processes.accounts.models  # noqa: F401
import processes.invoicing.models  # noqa: F401
from engine import Base, Engine, make_db_engine
from processes.access.models import AccessCredential
from processes.accounts.models import Tenant
from processes.bookings.models import Customer, Site
from processes.invoicing import runs
from processes.invoicing.models import Invoice
from processes.seasonparking.models import Contract, Product

TENANT = "bench"
PERIOD = "2026-03"
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
FILL_BATCH = 5_000


def parse_args(argv=None):
    """--sizes: comma-separated contract counts; --no-collect skips the charging phase."""
    parser = argparse.ArgumentParser(prog="python -m bench.invoicing", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--no-collect", action="store_true")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    return args


def fill(db_engine, count):
    """A tenant, a site, a product and `count` active contracts, one customer and one
    whitelisted plate each (a paid first charge moves the plate's last valid day)."""
    with Session(db_engine) as session, session.begin():
        session.add(Tenant(key=TENANT, name="Bench", timezone="Europe/Brussels"))
        site = Site(tenant=TENANT, code="B1", name="Bench site", timezone="Europe/Brussels",
                    country="BE", capacity=count)
        session.add(site)
        session.flush()
        product = Product(tenant=TENANT, code="P1", name="24/7", site_id=site.id,
                          monthly_price_cents=12_345)
        session.add(product)
        session.flush()
        for start in range(0, count, FILL_BATCH):
            numbers = range(start, min(start + FILL_BATCH, count))
            customer_ids = session.scalars(
                insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
                [dict(tenant=TENANT, name=f"C{n}", email=f"c{n}@bench.test", language="en",
                      created_at=NOW) for n in numbers]).all()
            session.execute(insert(Contract), [
                dict(tenant=TENANT, number=f"SP-{n:07d}", customer_id=cid, site_id=site.id,
                     product_id=product.id, monthly_price_cents=9_000 + n % 7 * 1_000,
                     discount_percent=0,
                     starts_on=date(2026, 3, 1 + n % 28) if n % 5 == 0 else date(2025, 1, 1),
                     status="active", payment_method="card", payment_token=f"tok_{n}",
                     created_at=NOW)
                for n, cid in zip(numbers, customer_ids)])
            session.execute(insert(AccessCredential), [
                dict(tenant=TENANT, site_id=site.id, reference=f"SP-{n:07d}", kind="plate",
                     value=f"B{n:07d}", valid_from=date(2025, 1, 1), issued_at=NOW)
                for n in numbers])


class Provider:
    """In-memory provider: every twentieth charge is soft-declined."""

    def __init__(self):
        self.calls = 0

    def charge(self, token_or_mandate, amount_cents, currency, reference, idempotency_key):
        """Charge; a deterministic one in twenty declines."""
        from processes.payments import ChargeResult, ChargeStatus
        self.calls += 1
        if self.calls % 20 == 0:
            return ChargeResult(ChargeStatus.SOFT_DECLINED, None, "insufficient funds")
        return ChargeResult(ChargeStatus.SUCCEEDED, f"ch_{self.calls}", "Paid.")


def measure(size, collect):
    """Print the figures of one size."""
    with tempfile.TemporaryDirectory() as tmp, time_machine.travel(NOW, tick=True):
        db_engine = make_db_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        Base.metadata.create_all(db_engine)
        started = time.perf_counter()
        fill(db_engine, size)
        filled = time.perf_counter() - started

        started = time.perf_counter()
        first = runs.run_period(db_engine, TENANT, PERIOD)
        run_s = time.perf_counter() - started
        started = time.perf_counter()
        again = runs.run_period(db_engine, TENANT, PERIOD)
        rerun_s = time.perf_counter() - started
        with Session(db_engine) as session:
            stored = session.scalar(select(func.count()).select_from(Invoice))
        assert first.issued == size == stored and again.issued == 0, (first, again, stored)
        print(f"{size:>7,} contracts  fill {filled:6.1f} s | monthly run {run_s:6.2f} s = "
              f"{size / run_s:8,.0f} invoices/s | re-run (all skipped) {rerun_s:5.2f} s = "
              f"{size / rerun_s:8,.0f} contracts/s")
        if collect:
            _measure_collection(db_engine, size)
        db_engine.dispose()


def _measure_collection(db_engine, size):
    from processes.invoicing import collection
    from processes.invoicing.handlers import register_handlers
    from processes.invoicing.workflow import deploy_collection
    from engine import ServiceRegistry

    provider = Provider()
    services = ServiceRegistry()
    register_handlers(services, db_engine, lambda: provider)
    engine = Engine(db_engine, services=services)
    deploy_collection(engine, TENANT)
    with Session(db_engine) as session:
        run_id = session.scalar(select(func.min(Invoice.run_id)))
    started = time.perf_counter()
    charged, declined = collection.collect_run(db_engine, engine, provider, run_id)
    took = time.perf_counter() - started
    print(f"{'':>7}            first charge: {charged:,} paid + {declined:,} declined "
          f"(processes started) in {took:6.2f} s = {size / took:8,.0f} invoices/s")


def main(argv=None):
    """Run every size and print one line each."""
    args = parse_args(argv)
    print(f"Invoicing monthly run, SQLite file, Python {platform.python_version()}, "
          f"{platform.machine()}")
    for size in args.sizes:
        measure(size, collect=not args.no_collect)


if __name__ == "__main__":
    main()

"""Gapless invoice numbers per tenant, series and year.

The counter row is moved in the same transaction that inserts the invoices, so a rolled-back
run gives its numbers back and two concurrent runs can never take the same number: the UPDATE
locks the row (PostgreSQL) or the writer holds the database (SQLite, BEGIN IMMEDIATE) until
commit. A run reserves a whole batch with one UPDATE.
"""
from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite

from . import defaults
from .models import NumberCounter


def format_number(series, year, seq):
    """INV-2026-000042."""
    return f"{series}-{year}-{seq:0{defaults.NUMBER_DIGITS}d}"


def reserve_numbers(session, tenant, series, year, count):
    """Reserve `count` consecutive numbers; returns the first sequence number reserved."""
    if count <= 0:
        raise ValueError("reserve at least one number")
    _ensure_counter(session, tenant, series, year)
    last = session.execute(
        update(NumberCounter)
        .where(NumberCounter.tenant == tenant, NumberCounter.series == series,
               NumberCounter.year == year)
        .values(last=NumberCounter.last + count)
        .returning(NumberCounter.last)).scalar_one()
    return last - count + 1


def next_numbers(session, tenant, series, year, count):
    """`count` formatted numbers, consecutive and never handed out before."""
    first = reserve_numbers(session, tenant, series, year, count)
    return [format_number(series, year, seq) for seq in range(first, first + count)]


def _ensure_counter(session, tenant, series, year):
    values = {"tenant": tenant, "series": series, "year": year, "last": 0}
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        stmt = sqlite.insert(NumberCounter).values(values).on_conflict_do_nothing()
    elif dialect == "postgresql":
        stmt = postgresql.insert(NumberCounter).values(values).on_conflict_do_nothing()
    else:
        if session.get(NumberCounter, (tenant, series, year)) is not None:
            return
        stmt = insert(NumberCounter).values(values)
    session.execute(stmt)

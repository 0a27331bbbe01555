"""Human-readable numbers per tenant: SA-000001 for applications, SP-000001 for contracts."""
from sqlalchemy import func, select

from . import defaults


def next_number(session, column, tenant_column, tenant, prefix):
    """The next free number after the highest one of the tenant (unique constraint backs it)."""
    highest = session.scalar(select(func.max(column)).where(
        tenant_column == tenant, column.like(f"{prefix}%")))
    following = int(highest[len(prefix):]) + 1 if highest else 1
    return f"{prefix}{following:0{defaults.NUMBER_DIGITS}d}"

"""The time zone a tenant's people read times in (the wording is processes.timewords)."""
from processes import timewords


def tenant_zone(eng, tenant):
    """The ZoneInfo of a tenant (processes.accounts Tenant.timezone)."""
    from processes.accounts.services import get_tenant

    with eng.reading() as session:
        row = get_tenant(session, tenant)
        return timewords.zone(row.timezone if row is not None else None)

"""The access-control interface and its local implementation (rows in access_credential)."""
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import or_, select

from engine import clock

from .models import AccessCredential

KINDS = ("plate", "card")


@dataclass(frozen=True)
class Grant:
    """One credential to whitelist: its kind ("plate" or "card") and value."""

    kind: str
    value: str


class AccessControl(Protocol):
    """What the domain asks of a car-park access system."""

    def whitelist(self, tenant, site_id, reference, grants, valid_from, valid_to) -> None:
        """Make `reference`'s credentials exactly `grants`, valid on [valid_from, valid_to]."""

    def set_valid_to(self, tenant, reference, valid_to) -> None:
        """Move the last valid day of every current credential of `reference`."""

    def revoke(self, tenant, reference) -> int:
        """Withdraw every current credential of `reference`; how many were withdrawn."""

    def allows(self, tenant, site_id, kind, value, day) -> bool:
        """True when the plate/card may enter the site on local day `day`."""

    def credentials(self, tenant, reference) -> list:
        """The current (not revoked) credentials of `reference`."""


class LocalAccessControl:
    """AccessControl writing to access_credential inside the caller's session (same commit)."""

    def __init__(self, session):
        self.session = session

    def whitelist(self, tenant, site_id, reference, grants, valid_from, valid_to):
        """Revoke credentials no longer wanted, add new ones, re-date the ones kept."""
        wanted = {(g.kind, g.value) for g in grants}
        unknown = {kind for kind, _ in wanted} - set(KINDS)
        if unknown:
            raise ValueError(f"unknown credential kind(s): {sorted(unknown)}")
        now = clock.now()
        kept = set()
        for row in self.credentials(tenant, reference):
            if (row.kind, row.value) in wanted and row.site_id == site_id:
                row.valid_from, row.valid_to = valid_from, valid_to
                kept.add((row.kind, row.value))
            else:
                row.revoked_at = now
        for kind, value in sorted(wanted - kept):
            self.session.add(AccessCredential(
                tenant=tenant, site_id=site_id, reference=reference, kind=kind, value=value,
                valid_from=valid_from, valid_to=valid_to, issued_at=now))
        self.session.flush()

    def set_valid_to(self, tenant, reference, valid_to):
        """Every current credential of `reference` is valid up to and including `valid_to`."""
        for row in self.credentials(tenant, reference):
            row.valid_to = valid_to
        self.session.flush()

    def revoke(self, tenant, reference):
        """Every current credential of `reference` is revoked now (kept as history)."""
        rows = self.credentials(tenant, reference)
        now = clock.now()
        for row in rows:
            row.revoked_at = now
        self.session.flush()
        return len(rows)

    def allows(self, tenant, site_id, kind, value, day: date):
        """True when a current credential covers `day` for this plate/card at the site."""
        found = self.session.scalar(select(AccessCredential.id).where(
            AccessCredential.tenant == tenant, AccessCredential.site_id == site_id,
            AccessCredential.kind == kind, AccessCredential.value == value,
            AccessCredential.revoked_at.is_(None), AccessCredential.valid_from <= day,
            or_(AccessCredential.valid_to.is_(None), AccessCredential.valid_to >= day)).limit(1))
        return found is not None

    def credentials(self, tenant, reference):
        """Current credentials of `reference`, plates first."""
        return list(self.session.scalars(select(AccessCredential).where(
            AccessCredential.tenant == tenant, AccessCredential.reference == reference,
            AccessCredential.revoked_at.is_(None))
            .order_by(AccessCredential.kind.desc(), AccessCredential.value)))

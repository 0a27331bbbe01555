"""AccessCredential: one whitelisted plate or card at a site, valid on [valid_from, valid_to]."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine import Base
from engine.store import UTCDateTime


class AccessCredential(Base):
    """A plate (normalised) or card number let in at a site on the days of its validity.

    Days are the site's local calendar days, both ends included; `valid_to` None means open
    ended. A replaced credential keeps its row with `revoked_at` set (the history of who
    could enter when).
    """

    __tablename__ = "access_credential"
    __table_args__ = (Index("ix_access_lookup", "tenant", "site_id", "kind", "value"),
                      Index("ix_access_reference", "tenant", "reference"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    reference: Mapped[str] = mapped_column(String(64))         # e.g. the contract number
    kind: Mapped[str] = mapped_column(String(8))                # plate | card
    value: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

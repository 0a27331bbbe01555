"""SavedFilter: a named, bookmarked basket view of one user."""
from datetime import datetime

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine import Base
from engine.store import UTCDateTime

from .defaults import FILTER_NAME_MAX


class SavedFilter(Base):
    """One user's saved basket filter: a view name plus the query parameters to reopen it."""

    __tablename__ = "basket_saved_filter"
    __table_args__ = (
        UniqueConstraint("tenant", "username", "name", name="uq_saved_filter_name"),
        Index("ix_saved_filter_owner", "tenant", "username"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(FILTER_NAME_MAX))
    view: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""The ApiToken table; it shares engine.Base so one metadata holds every table."""
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine import Base
from engine.store import UTCDateTime


class ApiToken(Base):
    """One bearer token of one user; only the SHA-256 of the token is kept."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_user", "tenant", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tenant: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


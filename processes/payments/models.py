"""Tables of the sandbox provider: the methods it tokenised and every charge it answered.

A real provider keeps these on its side; the sandbox keeps them in ParkOps' database so that
idempotency keys and test-card behaviour survive restarts, exactly as a real one's would.
"""
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine import Base
from engine.store import UTCDateTime


class SandboxMethod(Base):
    """A tokenised card or SEPA mandate and how the sandbox's "bank" treats it."""

    __tablename__ = "payment_sandbox_method"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))            # card | sepa
    label: Mapped[str] = mapped_column(String(64))
    holder: Mapped[str] = mapped_column(String(200))
    behaviour: Mapped[str] = mapped_column(String(32))      # a key of sandbox.BEHAVIOURS
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SandboxCharge(Base):
    """One answered charge or verification, found again by its idempotency key."""

    __tablename__ = "payment_sandbox_charge"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    token: Mapped[str] = mapped_column(String(64), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)      # 0 for a verification
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16))
    provider_ref: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""Tenant, User and UserRole tables; they share engine.Base so one metadata holds all."""
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import Base


class Tenant(Base):
    """A parking operator; every user, definition and instance belongs to one."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")

    users: Mapped[list["User"]] = relationship(back_populates="tenant")


class User(Base):
    """A person who logs in to one tenant."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (UniqueConstraint("tenant_id", "username", name="uq_user_tenant_username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # None until the user picks one: the browser's language applies meanwhile.
    language: Mapped[str | None] = mapped_column(String(8), default=None)

    tenant: Mapped[Tenant] = relationship(back_populates="users")
    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self):
        """The role names this user holds, sorted."""
        return sorted(row.role for row in self.role_rows)


class UserRole(Base):
    """One role held by one user (in the user's tenant)."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

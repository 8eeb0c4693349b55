"""Units, users and channel API clients."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.domain.roles import Role, UnitKind

from .base import Base

_KINDS = ", ".join(f"'{k.value}'" for k in UnitKind)
_ROLES = ", ".join(f"'{r.value}'" for r in Role)


class Unit(Base):
    """A node of the unit tree: city office → county offices → handling units."""

    __tablename__ = "unit"
    __table_args__ = (CheckConstraint(f"kind IN ({_KINDS})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    leader_name: Mapped[str | None] = mapped_column(String(60))
    leader_title: Mapped[str | None] = mapped_column(String(60))
    leader_phone: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    duties: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    @property
    def kind_enum(self) -> UnitKind:
        return UnitKind(self.kind)


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLES})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(30))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised by sign-out and a password change: every API token and web session issued before is void.
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]

    unit: Mapped[Unit | None] = relationship()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class ApiClient(Base):
    """A channel integration (website, WeChat, app, IVR) authenticating with a bearer token."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class AttemptCounter(Base):
    """Attempts counted under one key, shared by every worker and node: a sign-in name with its source address, or
    a citizen's look-up (by address, by ticket number). ``locked_until`` refuses further attempts until then."""

    __tablename__ = "attempt_counter"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # login | lookup
    account: Mapped[str | None] = mapped_column(String(60), index=True)  # the sign-in name, for the office's unlock
    address: Mapped[str | None] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime]
    locked_until: Mapped[datetime | None] = mapped_column(index=True)

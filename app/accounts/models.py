from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.permissions import Role
from app.db import Base
from app.vocab import sql_in

_ROLE_CHECK = f"role IN ({sql_in([r.value for r in Role])})"


class User(Base):
    """A person who logs in. Never deleted (the history names them): disabled instead."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="role"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    login: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(24))  # 显示名, Chinese as a rule
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id, PHC string
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Where notifications by e-mail go (optional; checked by app.accounts.email when set).
    email: Mapped[str | None] = mapped_column(String(254))


class UserJurisdiction(Base):
    """The counties whose hazards a county officer or verifier may change."""

    __tablename__ = "user_jurisdictions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # No foreign key: the boundary importer replaces the county rows on a reload (codes are checked
    # when a user is added).
    county_code: Mapped[str] = mapped_column(String(16), primary_key=True)


class ApiKey(Base):
    """A key for a program (an external agency). Only its SHA-256 is stored; the prefix is shown in lists."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="role"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))  # whose key: the agency
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="agency", server_default="agency")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who created it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthSession(Base):
    """A bearer token or a browser session; server-side, so that logout, disable and revoke act at once."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token a page sends back in X-CSRF-Token; only cookie sessions need it.
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed logins counted per login name and per client address (app.accounts.throttle). In the
    database, so that every web process sees the same counts."""

    __tablename__ = "login_throttle"
    __table_args__ = (CheckConstraint("scope IN ('login', 'address')", name="scope"),)

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

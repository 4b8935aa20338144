"""What a user chooses to receive, and the e-mail channels' own bookkeeping: one delivery per
notification by e-mail, one digest per user per day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

_STATES = "state IN ('pending', 'sending', 'sent', 'failed', 'skipped')"


class NotificationPreference(Base):
    """A user's choice for one event on one channel. Without a row the default of
    ``app.notifications.preferences`` holds. ``event`` is checked against ``Event`` by the API, not by
    a constraint, so that a new event needs no migration here."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint("channel IN ('inapp', 'email', 'digest')", name="channel"),)

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


class NotificationDelivery(Base):
    """A notification on its way by e-mail: written with the notification (the outbox), taken by a
    worker's job. ``sending`` is committed before the message goes out and ``sent`` after the server
    accepted it; a job that finds ``sending`` knows an earlier attempt stopped in between."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        CheckConstraint("channel IN ('email')", name="channel"),
        CheckConstraint(_STATES, name="state"),
        UniqueConstraint("notification_id", "channel"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("notifications.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(8), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationDigest(Base):
    """The daily digest of one user for one (Beijing) day: the key makes it once per user per day,
    however many workers or re-runs."""

    __tablename__ = "notification_digests"
    __table_args__ = (CheckConstraint(_STATES, name="state"),)

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    state: Mapped[str] = mapped_column(String(8), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    items: Mapped[int | None] = mapped_column(Integer)  # how many lines it listed
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.notifications.events import Event
from app.vocab import sql_in


class Notification(Base):
    """One event for one user, written in the transaction of the change that caused it (the outbox
    the channels deliver from). ``read_at`` is set when the user marks it read."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"event IN ({sql_in([e.value for e in Event])})", name="event"),
        Index("ix_notifications_unread", "user_id", postgresql_where="read_at IS NULL"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(16))
    hazard_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("hazards.id", ondelete="CASCADE"))
    county_code: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(64))  # the supervision level of a listing
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.notifications.events import Event
from app.vocab import sql_in


class Notification(Base):
    """One event for one user, written in the transaction of the change that caused it, or by a
    periodic job (deadlines), or by a detection run (candidates): the outbox the channels deliver
    from. ``read_at`` is set when the user marks it read."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"event IN ({sql_in([e.value for e in Event])})", name="event"),
        Index("ix_notifications_unread", "user_id", postgresql_where="read_at IS NULL"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_candidate_id", "candidate_id", postgresql_where="candidate_id IS NOT NULL"),
        Index(
            "uq_notifications_user_id_once_key",
            "user_id",
            "once_key",
            unique=True,
            postgresql_where="once_key IS NOT NULL",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(16))
    hazard_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("hazards.id", ondelete="CASCADE"))
    county_code: Mapped[str | None] = mapped_column(String(16))
    # An accident-prone candidate (event ``candidate``); NULL once a later detection run replaced it.
    candidate_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accident_prone_candidates.id", ondelete="SET NULL")
    )
    detail: Mapped[str | None] = mapped_column(String(64))  # a listing's level; the day a deadline falls
    # What an event told once only is about (a hazard and its due day, a candidate's stretch): unique
    # per user, so that a periodic job run twice, or by two workers at once, tells nobody twice.
    once_key: Mapped[str | None] = mapped_column(String(96))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

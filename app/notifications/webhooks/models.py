"""The subscriptions and the delivery log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

FORMATS = ("json", "wecom", "dingtalk")
STATES = ("pending", "retrying", "delivered", "failed")


class WebhookSubscription(Base):
    """A receiver of events: where, in which format, which events of which counties (none: all)."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        CheckConstraint("format IN ('json', 'wecom', 'dingtalk')", name="format"),
        CheckConstraint("url ~* '^https?://'", name="url"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(Text)  # never shown again once written
    format: Mapped[str] = mapped_column(String(16))
    events: Mapped[list[str]] = mapped_column(ARRAY(Text))
    counties: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookDelivery(Base):
    """One event for one subscription (or a test message), and how its sending went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'retrying', 'delivered', 'failed')", name="state"),
        Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
        Index(
            "uq_webhook_deliveries_subscription_id_once_key",
            "subscription_id",
            "once_key",
            unique=True,
            postgresql_where="once_key IS NOT NULL",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(String(16))
    hazard_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("hazards.id", ondelete="CASCADE"))
    # An accident-prone candidate (event ``candidate``); NULL once a later detection run replaced it.
    candidate_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accident_prone_candidates.id", ondelete="SET NULL")
    )
    # What a periodic event is about (a hazard and its day, a candidate's stretch), as its notifications
    # say: one delivery per subscription however many times, or by however many workers, it is told.
    once_key: Mapped[str | None] = mapped_column(String(96))
    county_code: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    state: Mapped[str] = mapped_column(String(12), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_status: Mapped[int | None] = mapped_column(Integer)  # the receiver's HTTP status
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

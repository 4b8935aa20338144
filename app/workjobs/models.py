from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    Identity,
    Index,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.vocab import sql_in

KINDS = ("poster", "report", "detection")
STATUSES = ("queued", "running", "succeeded", "failed")


class WorkJob(Base):
    """One poster, report or detection run asked for by a person, done by a queue worker.

    The row is what the client polls (status, stage, progress 0–1) and, once done, holds the
    result: a file (``result`` with its media type and name) or a summary (``summary``), kept
    until ``expires_at`` (a periodic job deletes the expired rows). ``owner`` is who asked
    (``user:7`` or ``key:3``): only they, and administrators, fetch it.
    """

    __tablename__ = "work_jobs"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(list(KINDS))})", name="kind"),
        CheckConstraint(f"status IN ({sql_in(list(STATUSES))})", name="status"),
        CheckConstraint("progress BETWEEN 0 AND 1", name="progress"),
        Index("ix_work_jobs_expires_at", "expires_at", postgresql_where="expires_at IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # What was asked, as the task reads it back: {"format": "pdf", "size": "A1", …}.
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), server_default="queued")
    stage: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[float] = mapped_column(Float, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    # Loaded only when the file is fetched, not when the state is polled.
    result: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    media_type: Mapped[str | None] = mapped_column(String(120))
    file_name: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

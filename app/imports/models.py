from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Float, Identity, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class ImportJob(Base):
    """One bulk import: the file, its options, how far it got and the rows it refused.

    The rows themselves go to ``hazards`` in one transaction of their own; this row is updated
    in short transactions beside it, so that a client can watch the progress.
    """

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        CheckConstraint("progress BETWEEN 0 AND 1", name="progress"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # hazards (points and segments)
    file_name: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    # {"crs": …, "mapping": {file column: our field}, "mode": …, "dry_run": …}
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(12), index=True, server_default="queued")
    stage: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[float] = mapped_column(Float, server_default="0")
    rows_read: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_valid: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_refused: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_written: Mapped[int] = mapped_column(Integer, server_default="0")
    # The refused rows: [{"row": 3, "field": "category", "reason": "unknown category 'ZZ99'"}, …]
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    # Why a failed job failed (the file as a whole), in words a person can act on.
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

# The stages of a photo, after the workflow (app.hazards.lifecycle): reported, then rectified.
STAGES = {"report": "上报", "before": "整改前", "after": "整改后"}
MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")


class HazardPhoto(Base):
    """One photo of a hazard. The bytes are a file named by their sha256 (app.photos.storage).

    Soft delete only: a photo that was evidence for a close-out stays, with its file.
    """

    __tablename__ = "hazard_photos"
    __table_args__ = (
        CheckConstraint("stage IN ('report', 'before', 'after')", name="stage"),
        CheckConstraint("media_type IN ('image/jpeg', 'image/png', 'image/webp')", name="media_type"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),
        CheckConstraint("byte_size > 0 AND width > 0 AND height > 0", name="sizes"),
        Index("ix_hazard_photos_hazard_id_stage", "hazard_id", "stage"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="RESTRICT"))
    stage: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(16))
    byte_size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # EXIF DateTimeOriginal
    uploaded_by: Mapped[str | None] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    caption: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[str | None] = mapped_column(String(64))

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Identity, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.vocab import Visibility, sql_in


class Category(Base):
    """A hazard category (隐患类别), e.g. ``XL01`` 急弯.

    The proposed list is seeded by the first migration."""

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint(f"usual_visibility IN ({sql_in(Visibility.codes())})", name="usual_visibility"),
    )

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    group_code: Mapped[str] = mapped_column(String(4))
    group_zh: Mapped[str] = mapped_column(String(16))
    group_en: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    usual_visibility: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class CategoryEvent(Base):
    """Append-only history of the categories: one row per creation and per change (a trigger in the
    migration refuses UPDATE and DELETE), with ``{field: [old, new]}`` or the new category's fields."""

    __tablename__ = "category_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code", ondelete="RESTRICT"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # create, update, retire, reactivate
    actor: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB)

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.vocab import Visibility, sql_in


class Category(Base):
    """A hazard category (隐患类别), e.g. ``XL01`` 急弯. Seeded from DOMAIN.md's proposal."""

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

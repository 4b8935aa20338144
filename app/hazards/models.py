from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.vocab import Grade, HazardKind, Source, Status, Visibility, sql_in


class Hazard(Base):
    """One ledger row (台账): a hazard point or an accident-prone segment (事故易发多发路段).

    Points and segments share one table because they share one ledger, one numbering, one
    workflow and one history; ``kind`` says which, and a CHECK ties it to the geometry type.
    """

    __tablename__ = "hazards"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(HazardKind.codes())})", name="kind"),
        CheckConstraint(f"visibility IN ({sql_in(Visibility.codes())})", name="visibility"),
        CheckConstraint(f"grade IN ({sql_in(Grade.codes())})", name="grade"),
        CheckConstraint(f"source IN ({sql_in(Source.codes())})", name="source"),
        CheckConstraint(f"status IN ({sql_in(Status.codes())})", name="status"),
        CheckConstraint("direction IN (1, 2, 3)", name="direction"),
        CheckConstraint(
            "(kind = 'point' AND ST_GeometryType(geom) = 'ST_Point')"
            " OR (kind = 'segment' AND ST_GeometryType(geom) = 'ST_LineString')",
            name="geom_matches_kind",
        ),
        Index("ix_hazards_county_code_status", "county_code", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # A client-generated id makes a retried submission idempotent (field page, imports).
    uid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, server_default=text("gen_random_uuid()"))
    ledger_no: Mapped[str] = mapped_column(String(32), unique=True)  # 隐患编号 371502-2026-0001
    kind: Mapped[str] = mapped_column(String(8), index=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    visibility: Mapped[str] = mapped_column(String(8))  # 显性/隐性
    grade: Mapped[str] = mapped_column(String(12))  # 一般/较大/重大
    source: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    address: Mapped[str | None] = mapped_column(Text)  # 路段位置, free text as written on site
    status: Mapped[str] = mapped_column(String(12), index=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    township_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    road_id: Mapped[int | None] = mapped_column(ForeignKey("roads.id"), index=True)
    chainage_m: Mapped[float | None] = mapped_column(Float)  # 桩号 (start, for a segment)
    end_chainage_m: Mapped[float | None] = mapped_column(Float)  # 终点桩号, segments only
    direction: Mapped[int | None] = mapped_column(SmallInteger)  # 1 decreasing, 2 increasing, 3 both
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=False
    )
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    deadline: Mapped[date | None] = mapped_column(Date)  # 整改时限
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    created_by: Mapped[str | None] = mapped_column(String(64))
    updated_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Soft delete: the row and its history stay; lists and maps leave it out.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class HazardEvent(Base):
    """Append-only history (履历): one row per create, change and delete of a hazard.

    A trigger in the migration refuses UPDATE and DELETE on this table.
    """

    __tablename__ = "hazard_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))  # create, update, delete, and later transitions
    actor: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # {field: [old, new]} for an update; the full properties for a create.
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class LedgerCounter(Base):
    """The last ledger number issued per county and year (row-locked while a number is taken)."""

    __tablename__ = "ledger_counters"

    county_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)

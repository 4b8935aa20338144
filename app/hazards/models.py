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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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
        CheckConstraint("supervision_level IN ('city', 'county')", name="supervision_level"),
        CheckConstraint(
            "(kind = 'point' AND ST_GeometryType(geom) = 'ST_Point')"
            " OR (kind = 'segment' AND ST_GeometryType(geom) = 'ST_LineString')",
            name="geom_matches_kind",
        ),
        Index("ix_hazards_county_code_status", "county_code", "status"),
        # A hazard's record lists the reports merged into it; few rows have duplicate_of at all.
        Index("ix_hazards_duplicate_of", "duplicate_of", postgresql_where=text("duplicate_of IS NOT NULL")),
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
    # 开发区 and 行政村, set by the hazards_zone_village trigger from the outlines and village points.
    zone_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    village_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
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

    # -- the ledger workflow (app.workflow): on the row, so the history trigger records each step --
    # 签字认领: once signed, a trigger refuses any change to these four (the signature record).
    claim_name: Mapped[str | None] = mapped_column(String(64))
    claim_post: Mapped[str | None] = mapped_column(String(64))
    claim_unit: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    measures: Mapped[str | None] = mapped_column(Text)  # 整改措施
    interim_measures: Mapped[str | None] = mapped_column(Text)  # 临时管控措施
    evidence: Mapped[str | None] = mapped_column(Text)
    # The before/after photos (hazard_photos.id) named when it was marked rectified; on the row so
    # that the history trigger records them with the rectify event.
    evidence_photos: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    rectified_by: Mapped[str | None] = mapped_column(String(64))
    rectified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verifier: Mapped[str | None] = mapped_column(String(64))  # 核验人
    verification: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # 销号时间
    reject_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))
    # 挂牌督办: listed while supervision_level is set.
    supervision_level: Mapped[str | None] = mapped_column(String(8))
    supervision_reason: Mapped[str | None] = mapped_column(Text)
    supervised_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
    # The reason or remark given with a transition (SET LOCAL hazardmap.note).
    note: Mapped[str | None] = mapped_column(Text)


class LedgerCounter(Base):
    """The last ledger number issued per county and year (row-locked while a number is taken)."""

    __tablename__ = "ledger_counters"

    county_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class HazardCount(Base):
    """Live (not deleted) hazards by county, kind and status, as deltas written by statement triggers
    on hazards: ``sum(n)`` per group is the count. Written only by those triggers and
    ``hazard_counts_compact()`` (see the migration hazard_counts)."""

    __tablename__ = "hazard_counts"
    __table_args__ = (Index("ix_hazard_counts_group", "kind", "county_code", "status"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    n: Mapped[int] = mapped_column(BigInteger)

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.crashes.vocab import CandidateKind, CandidateStatus, Procedure
from app.db import Base
from app.vocab import sql_in


class Crash(Base):
    """One crash record (事故), located on the road network where it could be.

    Deliberately without personal data: no names, ID numbers, plates or phone numbers are
    stored, whatever the source file holds; ``source_ref`` is the case number of the source
    system, so that a re-import is recognised.
    """

    __tablename__ = "crashes"
    __table_args__ = (
        CheckConstraint(f"procedure IN ({sql_in(Procedure.codes())})", name="procedure"),
        CheckConstraint("deaths >= 0 AND injuries >= 0", name="casualties_not_negative"),
        CheckConstraint("ST_GeometryType(geom) = 'ST_Point'", name="geom_is_point"),
        # The detection walks each road by chainage.
        Index("ix_crashes_road_id_chainage_m", "road_id", "chainage_m"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    # Unset when no road was within the snapping distance.
    road_id: Mapped[int | None] = mapped_column(ForeignKey("roads.id"))
    chainage_m: Mapped[float | None] = mapped_column(Float)
    snap_distance_m: Mapped[float | None] = mapped_column(Float)
    deaths: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    injuries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    procedure: Mapped[str] = mapped_column(String(8))
    crash_type: Mapped[str | None] = mapped_column(String(32))  # 事故形态, as the source names it
    source_file: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AccidentProneCandidate(Base):
    """A point or segment the detection found, with its evidence, until an officer decides on it.

    Accepting it creates a ledger hazard (``hazard_id``); accepted and dismissed rows stay, so
    that the next run does not propose the same stretch again.
    """

    __tablename__ = "accident_prone_candidates"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(CandidateKind.codes())})", name="kind"),
        CheckConstraint(f"status IN ({sql_in(CandidateStatus.codes())})", name="status"),
        CheckConstraint("start_chainage_m <= end_chainage_m", name="chainage_in_order"),
        CheckConstraint(
            "(kind = 'point' AND ST_GeometryType(geom) = 'ST_Point' AND point_chainage_m IS NOT NULL)"
            " OR (kind = 'segment' AND ST_GeometryType(geom) = 'ST_LineString')",
            name="geom_matches_kind",
        ),
        CheckConstraint("(status = 'accepted') = (hazard_id IS NOT NULL)", name="accepted_has_hazard"),
        Index("ix_accident_prone_candidates_road_code_status", "road_code", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    road_id: Mapped[int] = mapped_column(ForeignKey("roads.id"))
    # Kept beside road_id: decisions must survive a re-import of the road network (new ids).
    road_code: Mapped[str] = mapped_column(String(16))
    # The stretch the evidence covers: a segment's limits, or a point's chainage ± the radius.
    start_chainage_m: Mapped[float] = mapped_column(Float)
    end_chainage_m: Mapped[float] = mapped_column(Float)
    point_chainage_m: Mapped[float | None] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=False
    )
    crash_count: Mapped[int] = mapped_column(Integer)
    fatal_crashes: Mapped[int] = mapped_column(Integer)
    ordinary_crashes: Mapped[int] = mapped_column(Integer)
    deaths: Mapped[int] = mapped_column(Integer)
    injuries: Mapped[int] = mapped_column(Integer)
    crash_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    # Which thresholds the evidence met, e.g. ["fatal_crashes>=3"].
    reasons: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # The crashes' time window [since, until) and every parameter of the run.
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status: Mapped[str] = mapped_column(String(12), default="candidate", server_default="candidate")
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"), unique=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_note: Mapped[str | None] = mapped_column(Text)

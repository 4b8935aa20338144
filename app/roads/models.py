from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.vocab import ROAD_GROUP_OF_CLASS, RoadClass, sql_in

_GROUP_CASE = (
    "CASE road_class "
    + " ".join(f"WHEN '{c.value}' THEN '{g.value}'" for c, g in ROAD_GROUP_OF_CLASS.items())
    + " END"
)


class Road(Base):
    """A road (or one piece of it): route code, class, and the chainage where its line starts.

    A route may be stored as several rows (one per piece, e.g. per county); each piece has
    its own ``start_chainage_m`` so that linear referencing gives the posted 桩号.

    ``measured`` is the line with the 桩号 of every vertex as its M value: linear from
    ``start_chainage_m`` over ``length_m`` (the span of 桩号 the piece covers) unless mileposts
    calibrate it (``calibrated``; app.roads.calibration). Locate, snap and cut read it.
    """

    __tablename__ = "roads"
    __table_args__ = (
        CheckConstraint(f"road_class IN ({sql_in(RoadClass.codes())})", name="road_class"),
        CheckConstraint(
            "ST_GeometryType(geom) IN ('ST_LineString', 'ST_MultiLineString')", name="geom_is_line"
        ),
        CheckConstraint("start_chainage_m >= 0", name="start_chainage_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    road_class: Mapped[str] = mapped_column(String(16))
    # 图层分组 derived from the class, so that it can never disagree with it.
    layer_group: Mapped[str] = mapped_column(String(16), Computed(_GROUP_CASE, persisted=True), index=True)
    start_chainage_m: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    length_m: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=False
    )
    # Filled by the roads_measure trigger when not given.
    measured: Mapped[WKBElement] = mapped_column(
        Geometry("GEOMETRYM", srid=4326, spatial_index=False), nullable=False
    )
    calibrated: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    schematic: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    source: Mapped[str | None] = mapped_column(Text)


class RoadCalibrationPoint(Base):
    """A known milepost: the posted 桩号 of a route at a point. Replaced, never deleted.

    Two points of a code at the same place are a chain break (断链): the first (by ``seq``, the
    order of the file) is the 桩号 behind the break, the second the 桩号 ahead of it.
    """

    __tablename__ = "road_calibration_points"
    __table_args__ = (
        CheckConstraint("chainage_m >= 0", name="chainage_not_negative"),
        Index(
            "ix_road_calibration_points_road_code_current",
            "road_code",
            "seq",
            postgresql_where=text("replaced_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    road_code: Mapped[str] = mapped_column(String(16))
    chainage_m: Mapped[float] = mapped_column(Float)
    seq: Mapped[int] = mapped_column(Integer)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=False
    )
    label: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoadVersion(Base):
    """A road row as it was before an update or a delete (append-only, written by a trigger)."""

    __tablename__ = "road_versions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    road_id: Mapped[int] = mapped_column(BigInteger, index=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(128))
    road_class: Mapped[str] = mapped_column(String(16))
    start_chainage_m: Mapped[float] = mapped_column(Float)
    length_m: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False
    )
    schematic: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str | None] = mapped_column(Text)
    change: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

from __future__ import annotations

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, Boolean, CheckConstraint, Computed, Float, Identity, String, Text
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
    schematic: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    source: Mapped[str | None] = mapped_column(Text)

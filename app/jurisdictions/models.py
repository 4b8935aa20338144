from __future__ import annotations

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.vocab import JurisdictionLevel, sql_in


class Jurisdiction(Base):
    """An administrative unit: the city, a county, a development zone, a township, a village.

    ``code`` is the national adcode (6 digits for counties, 9 for townships, 12 for villages)
    or an internal code for the development zones, which have none.
    """

    __tablename__ = "jurisdictions"
    __table_args__ = (CheckConstraint(f"level IN ({sql_in(JurisdictionLevel.codes())})", name="level"),)

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("jurisdictions.code", ondelete="RESTRICT"), index=True
    )
    # Absent for a unit with no published outline (townships, the development zones).
    geom: Mapped[WKBElement | None] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))
    # The unit's seat or centre point, used when there is no outline (nearest township).
    centre: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    source: Mapped[str | None] = mapped_column(Text)

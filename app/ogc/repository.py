"""The one query the OGC API adds: jurisdictions by page. The other collections reuse their domain's."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.hazards.repository import Page
from app.jurisdictions.repository import LEVEL_NAMES, features_sql
from app.jurisdictions.schemas import GeometryChoice
from app.sqlfiles import load

PKG = "app.ogc"

_JURISDICTION_CLAUSES = {
    "level": "j.level = ANY(:level)",
    "parent": "j.parent_code = ANY(:parent)",
    "bbox": "ST_Intersects(j.geom, ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326))",
}


@cache
def _jurisdictions_sql(where: str) -> str:
    features = features_sql(GeometryChoice.outline)
    return load(PKG, "jurisdictions").replace("/*where*/", where).replace("/*features*/", features)


async def jurisdictions(
    session: AsyncSession,
    *,
    level: list[str] | None,
    parent: list[str] | None,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
    offset: int,
) -> Page:
    clauses = ["true"]
    params: dict[str, Any] = {"level_names": LEVEL_NAMES, "limit": limit, "offset": offset}
    for name, value in (("level", level), ("parent", parent), ("bbox", bbox)):
        if value is None:
            continue
        clauses.append(_JURISDICTION_CLAUSES[name])
        if name == "bbox":
            params.update(zip(("x1", "y1", "x2", "y2"), value, strict=True))
        else:
            params[name] = value
    row = (await session.execute(text(_jurisdictions_sql(" AND ".join(clauses))), params)).one()
    return Page(matched=row.number_matched, returned=row.number_returned, features=row.features)

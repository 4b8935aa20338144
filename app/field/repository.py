"""The field app's offline package, built by PostGIS as one JSON document."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.sqlfiles import load


async def area_json(session: AsyncSession, city_code: str, counties: list[str] | None) -> str:
    row = await session.execute(text(load("app.field", "area")), {"city_code": city_code, "codes": counties})
    return str(row.scalar_one())

"""The shipped geodata set, as loaded into the test template by ``load_shipped``."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_counts_per_level(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT level, count(*) FROM jurisdictions GROUP BY level"))).all()
    assert dict(rows) == {"city": 1, "county": 8, "zone": 3, "township": 136}

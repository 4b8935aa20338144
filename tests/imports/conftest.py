"""Fixtures of the import tests: a road of known chainage."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.databases import empty_ledger


@pytest.fixture
async def import_roads(engine: AsyncEngine) -> AsyncIterator[dict[str, int]]:
    """G9309 from (115.95, 36.46) at K516+000 to (115.99, 36.46), 3000 m; removed afterwards."""
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(
                """
                INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, source)
                VALUES ('G9309', '测试国道', 'national', 516000, 3000,
                        ST_GeomFromText('LINESTRING(115.95 36.46, 115.99 36.46)', 4326), 'imports test')
                RETURNING code, id
                """
            )
        )
        ids = {code: id_ for code, id_ in rows.all()}
    yield ids
    async with engine.begin() as conn:
        await empty_ledger(conn)
        await conn.execute(text("DELETE FROM roads WHERE source = 'imports test'"))

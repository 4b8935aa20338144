"""Fixtures used by several test directories, registered by the root conftest (``pytest_plugins``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import get_settings
from tests.support.databases import empty_ledger
from tests.support.roads import FixtureRoad, fixture_roads


@pytest.fixture
async def api_roads(engine: AsyncEngine) -> AsyncIterator[dict[str, int]]:
    """Two roads of our own, with known geometry and chainage, removed afterwards."""
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(
                """
                INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, source)
                VALUES ('G9309', '测试国道', 'national', 516000, 3000,
                        ST_GeomFromText('LINESTRING(115.95 36.46, 115.99 36.46)', 4326), 'api test fixture'),
                       ('Y9001', '测试乡道', 'township', 0, 2000,
                        ST_GeomFromText('LINESTRING(115.96 36.42, 115.99 36.43)', 4326), 'api test fixture')
                RETURNING code, id
                """
            )
        )
        ids = {code: id_ for code, id_ in rows.all()}
    yield ids
    async with engine.begin() as conn:
        # Hazards pointing at the roads go first (the harness would empty them only afterwards),
        # with whatever refers to them.
        await empty_ledger(conn)
        await conn.execute(text("DELETE FROM roads WHERE source = 'api test fixture'"))


@pytest.fixture(scope="module")
async def roads(engine: AsyncEngine) -> AsyncIterator[dict[str, FixtureRoad]]:
    """The fixture roads (X901, X902 in two pieces, X903 with a gap), for the module's tests."""
    async for r in fixture_roads(engine):
        yield r


@pytest.fixture
def photo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A photo store of the test's own."""
    store = tmp_path / "photos"
    monkeypatch.setattr(get_settings(), "photo_dir", store)
    yield store

"""app.hazards.provider: what the open-data readers get, asked directly (filters, a condition over
the properties, paging, the geometry expression, one feature, a tile, the export stream)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.hazards import provider
from app.hazards.schemas import HazardFilter
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point, segment


@pytest.fixture
async def rows(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return [
        await create(client, "hazards", point(GULOU, grade="major")),
        await create(client, "hazards", point(LIUYUAN)),
        await create(client, "hazards", point(BOJIQIAO, grade="major")),
        await create(client, "segments", segment([(115.95, 36.455), (115.96, 36.456)])),
    ]


def _ids(features: str) -> list[int]:
    return [f["id"] for f in json.loads(features)]


async def test_page_filters_condition_paging_and_geometry(
    app_engine: AsyncEngine, rows: list[dict[str, Any]]
) -> None:
    gulou, liuyuan, bojiqiao, _ = (r["id"] for r in rows)
    async with AsyncSession(app_engine) as session:
        every = await provider.page(session, "point", HazardFilter(), limit=10, offset=0)
        assert (every.matched, every.returned, _ids(every.features)) == (3, 3, [gulou, liuyuan, bojiqiao])

        major = provider.Condition(f"{provider.PROPERTIES['grade']} = :g", {"g": "major"})
        in_county = HazardFilter(county=["371502"])
        page = await provider.page(session, "point", in_county, limit=10, offset=0, condition=major)
        assert (page.matched, _ids(page.features)) == (1, [gulou])

        second = await provider.page(session, "point", HazardFilter(), limit=1, offset=1)
        assert (second.matched, second.returned, _ids(second.features)) == (3, 1, [liuyuan])

        # The reader's geometry expression: here latitude first.
        flipped = await provider.page(
            session,
            "point",
            in_county,
            limit=10,
            offset=0,
            condition=major,
            geometry=lambda column: f"ST_AsGeoJSON(ST_FlipCoordinates({column}), 7)::json",
        )
        assert json.loads(flipped.features)[0]["geometry"]["coordinates"] == [GULOU[1], GULOU[0]]

        one = await provider.one(session, gulou)
        assert one is not None and json.loads(one)["geometry"]["coordinates"] == list(GULOU)
        assert await provider.one(session, 10**12) is None


async def test_tile_and_export(app_engine: AsyncEngine, rows: list[dict[str, Any]]) -> None:
    async with AsyncSession(app_engine) as session:
        # z=0 holds the world: every point, none of the segments.
        data, digest = await provider.tile(
            session, "point", HazardFilter(), z=0, x=0, y=0, layer="hazards", extent=4096, buffer=64
        )
        assert data and len(digest) == 32
        empty, _ = await provider.tile(
            session,
            "point",
            HazardFilter(grade=["significant"]),
            z=0,
            x=0,
            y=0,
            layer="hazards",
            extent=4096,
            buffer=64,
        )
        assert empty == b""
    streamed = [row async for part in provider.export_batches("segment", HazardFilter(), 2) for row in part]
    assert [json.loads(r.feature)["id"] for r in streamed] == [rows[3]["id"]]
    assert streamed[0].wkt.startswith("LINESTRING(115.95 36.455")
    assert streamed[0].longitude is None

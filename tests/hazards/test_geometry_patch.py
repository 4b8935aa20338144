"""A PATCH of the geometry is held to the same rules as a POST: numbers, a segment that does not
cross itself; a refusal changes neither the row nor its history."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.hazards import CROSSING, GULOU, create, point, segment

pytestmark = pytest.mark.asyncio


async def _state(engine: AsyncEngine, hazard_id: int) -> tuple[Any, ...]:
    async with engine.connect() as conn:
        row = await conn.execute(
            text(
                "SELECT version, ST_AsText(geom), (SELECT count(*) FROM hazard_events WHERE hazard_id = :id)"
                " FROM hazards WHERE id = :id"
            ),
            {"id": hazard_id},
        )
        return tuple(row.one())


async def test_patch_refuses_text_coordinates_and_crossings(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    h = await create(client, "hazards", point(GULOU))
    s = await create(client, "segments", segment([(115.95, 36.45), (115.97, 36.45)]))
    cases = [
        (
            f"/api/v1/hazards/{h['id']}",
            {"type": "Point", "coordinates": ["116.1", "36.4"]},
            "is not a number",
        ),
        (
            f"/api/v1/segments/{s['id']}",
            {
                "type": "LineString",
                "coordinates": [[115.95, 36.45], [115.97, 36.47], [115.97, 36.45], [115.95, 36.47]],
            },
            CROSSING,
        ),
    ]
    for url, geometry, message in cases:
        hazard_id = int(url.rsplit("/", 1)[1])
        before = await _state(engine, hazard_id)
        r = await client.patch(url, json={"geometry": geometry}, headers={"If-Match": '"1"'})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        [error] = r.json()["errors"]
        assert error["field"] == "geometry.coordinates" and message in error["message"], error
        assert await _state(engine, hazard_id) == before

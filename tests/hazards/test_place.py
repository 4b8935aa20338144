"""One rule for where a hazard lies: the insert trigger and a move both call hazard_place()."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, XIANFENGLU, create, point, segment

MERGE = {"Content-Type": "application/merge-patch+json", "If-Match": '"1"'}


async def _place(engine: AsyncEngine, hazard_id: int) -> tuple[str, str]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT county_code, township_code FROM hazards WHERE id = :id"), {"id": hazard_id}
            )
        ).one()
        return (row[0], row[1])


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (BOJIQIAO, GULOU),
        (GULOU, LIUYUAN),
        (LIUYUAN, XIANFENGLU),
        (GULOU, (115.9712, 36.4455)),  # between two township seats of 东昌府区
    ],
)
async def test_moved_and_new_hazards_get_the_same_place(
    client: httpx.AsyncClient, engine: AsyncEngine, start: tuple[float, float], target: tuple[float, float]
) -> None:
    moved = await create(client, "hazards", point(start))
    r = await client.patch(
        f"/api/v1/hazards/{moved['id']}",
        content=json.dumps({"geometry": {"type": "Point", "coordinates": list(target)}}),
        headers=MERGE,
    )
    assert r.status_code == 200, r.text
    new = await create(client, "hazards", point(target))
    assert await _place(engine, moved["id"]) == await _place(engine, new["id"])
    async with engine.connect() as conn:
        direct = (
            await conn.execute(
                text(
                    "SELECT county_code, township_code"
                    " FROM hazard_place(ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
                ),
                {"x": target[0], "y": target[1]},
            )
        ).one()
    assert await _place(engine, new["id"]) == tuple(direct)


async def test_a_segment_lies_where_its_midpoint_lies(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    line = [(GULOU[0] - 0.01, GULOU[1]), (GULOU[0] + 0.01, GULOU[1])]
    seg = await create(client, "segments", segment(line))
    pin = await create(client, "hazards", point(GULOU))
    assert await _place(engine, seg["id"]) == await _place(engine, pin["id"]) == ("371502", "371502001")


async def test_a_given_county_is_kept_and_its_township_found(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT county_code, township_code FROM hazard_place("
                    "ST_SetSRID(ST_MakePoint(:x, :y), 4326), '371521')"
                ),
                {"x": GULOU[0], "y": GULOU[1]},
            )
        ).one()
        outside = (
            await conn.execute(
                text("SELECT county_code FROM hazard_place(ST_SetSRID(ST_MakePoint(100, 10), 4326))")
            )
        ).scalar_one()
    assert row[0] == "371521" and row[1].startswith("371521")
    assert outside is None

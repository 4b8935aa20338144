"""Detection along whole routes, with exact windows, junctions, crashes on no road, and a longest segment.

Each case is one that the earlier detection (per stored road piece, windows summed from 50 m
bins) got wrong, with the answer worked out by hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.crashes import detection
from app.roads import linear
from tests.crashes.test_detection import candidates, detect, essentials
from tests.support.roads import FixtureRoad, add_crash, insert_road

Roads = dict[str, FixtureRoad]


async def shipped_pieces(engine: AsyncEngine, code: str) -> list[FixtureRoad]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT id, code, start_chainage_m, length_m FROM roads WHERE code = :c ORDER BY 3"),
            {"c": code},
        )
        return [FixtureRoad(r.id, r.code, r.start_chainage_m, r.length_m) for r in rows]


async def test_three_fatal_crashes_across_a_piece_boundary_of_g309_are_a_point(engine: AsyncEngine) -> None:
    # The shipped G309 is stored in three pieces; the second starts at K536+023.
    pieces = await shipped_pieces(engine, "G309")
    a, b = pieces[0], pieces[1]
    assert a.end_m == pytest.approx(b.start_m, abs=1.0) and a.start_m < 535_900 < 536_100 < b.end_m
    ids = [
        await add_crash(engine, a, 535_900, deaths=1),
        await add_crash(engine, a, 536_000, deaths=1),
        await add_crash(engine, b, 536_100, deaths=1),
    ]
    summary = await detect(engine)
    assert (summary.crashes_considered, summary.points_found, summary.segments_found) == (3, 1, 0)
    (found,) = await candidates(engine)
    assert essentials(found) == ("point", 535_850.0, 536_150.0, 536_000.0, 3, 3, 3, 3, 0)
    assert (found["road_code"], found["crash_ids"], found["reasons"]) == ("G309", ids, ["fatal_crashes"])
    # The point lies where the route's linear referencing puts K536+000 (on the first piece).
    async with engine.connect() as conn:
        at = await linear.point_at_chainage(conn, "G309", 536_000)
        wkt = (
            await conn.execute(
                text(
                    "SELECT ST_Distance(geom::geography, ST_GeomFromEWKT(:p)::geography) FROM"
                    " accident_prone_candidates WHERE id = :id"
                ),
                {"p": at.ewkt, "id": found["id"]},
            )
        ).scalar_one()
    assert wkt == pytest.approx(0, abs=0.01)


async def test_three_fatal_crashes_480_m_apart_fill_one_500_m_window(
    engine: AsyncEngine, roads: Roads
) -> None:
    x901 = roads["X901"]
    ids = [await add_crash(engine, x901, ch, deaths=1) for ch in (12_040, 12_280, 12_520)]
    await detect(engine)
    (found,) = await candidates(engine)
    # 480 m of crashes widened to one window around their middle, K12+280 ± 250 m.
    assert essentials(found) == ("segment", 12_030.0, 12_530.0, None, 3, 3, 3, 3, 0)
    assert found["crash_ids"] == ids


async def test_three_fatal_crashes_520_m_apart_do_not(engine: AsyncEngine, roads: Roads) -> None:
    for ch in (12_040, 12_300, 12_560):
        await add_crash(engine, roads["X901"], ch, deaths=1)
    summary = await detect(engine)
    assert (summary.segments_found, summary.points_found) == (0, 0)
    assert await candidates(engine) == []


async def test_a_segment_is_at_most_the_longest_allowed(engine: AsyncEngine, roads: Roads) -> None:
    x901 = roads["X901"]
    ids = [await add_crash(engine, x901, 13_000 + 200 * i, deaths=1) for i in range(7)]
    await detect(engine)
    assert [essentials(c) for c in await candidates(engine)] == [
        ("segment", 13_000.0, 14_200.0, None, 7, 7, 7, 7, 0)
    ]
    # At most 600 m: the first stretch stops at K13+600, the next starts at the crash after it
    # (K13+800–K14+200, 400 m, widened to one window around its middle).
    await detect(engine, max_segment_m=600)
    found = await candidates(engine)
    assert [essentials(c) for c in found] == [
        ("segment", 13_000.0, 13_600.0, None, 4, 4, 4, 4, 0),
        ("segment", 13_750.0, 14_250.0, None, 3, 3, 3, 3, 0),
    ]
    assert [c["crash_ids"] for c in found] == [ids[:4], ids[4:]]


@pytest.fixture
async def x904(engine: AsyncEngine) -> AsyncIterator[FixtureRoad]:
    """A county road running north across X901's first leg at 115.76° E (a crossroads)."""
    road = await insert_road(engine, "X904", "LINESTRING(115.76 36.32, 115.76 36.34)", 0.0)
    yield road
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM crashes WHERE road_id = :id"), {"id": road.id})
        await conn.execute(text("DELETE FROM roads WHERE id = :id"), {"id": road.id})


async def test_crashes_at_a_junction_of_two_roads_are_one_point(
    engine: AsyncEngine, roads: Roads, x904: FixtureRoad
) -> None:
    async with engine.connect() as conn:
        on_x901 = await linear.nearest_road(conn, 115.76, 36.33, route="X901")
        on_x904 = await linear.nearest_road(conn, 115.76, 36.33, route="X904")
    assert on_x901 is not None and on_x904 is not None
    j1, j4 = on_x901.chainage_m, on_x904.chainage_m
    # Two fatal crashes on X901 40 m either side of the crossing, one on X904 60 m north of it:
    # no road holds three, the crossroads does.
    ids = [
        await add_crash(engine, roads["X901"], j1 - 40, deaths=1),
        await add_crash(engine, roads["X901"], j1 + 40, deaths=1),
        await add_crash(engine, x904, j4 + 60, deaths=1),
    ]
    summary = await detect(engine)
    assert (summary.points_found, summary.junction_points_found, summary.segments_found) == (1, 1, 0)
    (found,) = await candidates(engine)
    assert (found["kind"], found["road_code"], found["crash_ids"]) == ("point", "X901", ids)
    assert (found["n"], found["fatal"], found["deaths"], found["reasons"]) == (3, 3, 3, ["fatal_crashes"])
    assert found["p"] == pytest.approx(j1, abs=0.01)
    assert (found["s"], found["e"]) == pytest.approx((j1 - 150, j1 + 150), abs=0.01)


async def test_crashes_on_no_road_are_reported(engine: AsyncEngine, roads: Roads) -> None:
    await add_crash(engine, roads["X901"], 12_000, deaths=1)
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(
                "INSERT INTO crashes (occurred_at, geom, snap_distance_m, deaths, injuries, procedure,"
                " source_ref) VALUES"
                " (:at, ST_SetSRID(ST_MakePoint(115.70, 36.20), 4326), 812.5, 1, 0, 'ordinary', 'A1'),"
                " (:old, ST_SetSRID(ST_MakePoint(115.71, 36.21), 4326), 900, 0, 1, 'simple', 'A2')"
                " RETURNING id"
            ),
            {
                "at": datetime.fromisoformat("2025-03-01T09:30:00+08:00"),
                "old": datetime.fromisoformat("2020-03-01T09:30:00+08:00"),
            },
        )
        off_id, _ = [r.id for r in rows]
    summary = await detect(engine)
    assert summary.crashes_considered == 1
    assert summary.off_network == [
        detection.OffNetworkCrash(
            off_id, datetime.fromisoformat("2025-03-01T09:30:00+08:00"), 115.70, 36.20, 812.5, "A1"
        )
    ]
    result = summary.as_dict()
    assert result["off_network_count"] == 1
    assert result["off_network"] == [
        {
            "id": off_id,
            "occurred_at": "2025-03-01T01:30:00+00:00",
            "lon": 115.70,
            "lat": 36.20,
            "snap_distance_m": 812.5,
            "source_ref": "A1",
        }
    ]

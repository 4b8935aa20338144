"""Accident-prone identification on crashes laid out by hand along X901 (K10+000 → K17+818).

Defaults: 500 m segment window (exact), 150 m point radius, 2 km longest segment, 3 years; flagged by ≥3 fatal
crashes, ≥2 crashes with ≥3 deaths, or ≥5 ordinary-procedure (一般程序) crashes.

The layout and what it must give, worked out by hand:
- P  5 ordinary crashes at K11+000…K11+080 (20 m apart): a point at their middle, K11+040,
  covering K10+890–K11+190. The 500 m windows flag them too, but that stretch holds exactly the
  point's crashes, so it is the point and not also a segment.
- S  5 fatal crashes at K13+000…K13+800 (200 m apart): any three lie within 500 m, never within
  300 m: a segment, cut to its outermost crashes, K13+000–K13+800; no point.
- M  2 crashes with 3 deaths each at K15+000 and K15+100: a point at K15+050.
- O  3 fatal crashes at K16+000…K16+100, but in 2021: outside the time window, nothing.
- N  noise: ordinary crashes at K17+000 and K17+300, a simple one at K12+000: nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.crashes import detection
from app.errors import Conflict, InvalidInput, NotFound
from tests.support.roads import FixtureRoad, add_crash

Roads = dict[str, FixtureRoad]
BEIJING = timezone(timedelta(hours=8))
UNTIL = datetime(2026, 6, 1, tzinfo=BEIJING)


async def lay_out(engine: AsyncEngine, road: FixtureRoad) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {"P": [], "S": [], "M": [], "O": [], "N": []}
    for ch in (11_000, 11_020, 11_040, 11_060, 11_080):
        ids["P"].append(await add_crash(engine, road, ch, injuries=1))
    for ch in (13_000, 13_200, 13_400, 13_600, 13_800):
        ids["S"].append(await add_crash(engine, road, ch, deaths=1, injuries=2))
    for ch in (15_000, 15_100):
        ids["M"].append(await add_crash(engine, road, ch, deaths=3))
    for ch in (16_000, 16_050, 16_100):
        ids["O"].append(await add_crash(engine, road, ch, deaths=1, at="2021-03-01T10:00:00+08:00"))
    ids["N"].append(await add_crash(engine, road, 17_000, injuries=1))
    ids["N"].append(await add_crash(engine, road, 17_300, injuries=1))
    ids["N"].append(await add_crash(engine, road, 12_000, procedure="simple"))
    return ids


async def candidates(engine: AsyncEngine, status: str | None = "candidate") -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id, kind, road_code, start_chainage_m AS s, end_chainage_m AS e,"
                " point_chainage_m AS p, crash_count AS n, fatal_crashes AS fatal,"
                " ordinary_crashes AS ordinary, deaths, injuries, crash_ids, reasons, status,"
                " ST_GeometryType(geom) AS type, ST_AsText(geom) AS wkt, hazard_id"
                " FROM accident_prone_candidates WHERE CAST(:status AS text) IS NULL OR status = :status"
                " ORDER BY start_chainage_m"
            ),
            {"status": status},
        )
        return [dict(r._mapping) for r in rows]


def essentials(c: dict[str, object]) -> tuple[object, ...]:
    return (c["kind"], c["s"], c["e"], c["p"], c["n"], c["fatal"], c["ordinary"], c["deaths"], c["injuries"])


async def detect(engine: AsyncEngine, **overrides: object) -> detection.DetectionSummary:
    params = detection.detection_params(until=UNTIL, **overrides)  # type: ignore[arg-type]
    async with engine.begin() as conn:
        return await detection.run_detection(conn, params)


async def test_points_and_segments_found_as_worked_out(engine: AsyncEngine, roads: Roads) -> None:
    ids = await lay_out(engine, roads["X901"])
    summary = await detect(engine)
    assert (summary.crashes_considered, summary.segments_found, summary.points_found) == (15, 1, 2)
    assert (summary.proposed, summary.already_decided) == (3, 0)
    assert summary.since == datetime(2023, 6, 1, tzinfo=BEIJING)

    found = await candidates(engine)
    assert [essentials(c) for c in found] == [
        ("point", 10_890.0, 11_190.0, 11_040.0, 5, 0, 5, 0, 5),
        ("segment", 13_000.0, 13_800.0, None, 5, 5, 5, 5, 10),
        ("point", 14_900.0, 15_200.0, 15_050.0, 2, 2, 2, 6, 0),
    ]
    assert [c["crash_ids"] for c in found] == [ids["P"], ids["S"], ids["M"]]
    # The rules the whole evidence meets: S's five fatal crashes were also ordinary-procedure ones.
    assert [c["reasons"] for c in found] == [
        ["ordinary_crashes"],
        ["fatal_crashes", "ordinary_crashes"],
        ["major_crashes"],
    ]
    assert [c["type"] for c in found] == ["ST_Point", "ST_LineString", "ST_Point"]
    assert {c["road_code"] for c in found} == {"X901"}
    # The geometry is where the chainage is: the segment runs from K13+000 to K13+800.
    async with engine.connect() as conn:
        ends = (
            await conn.execute(
                text(
                    "SELECT ST_AsText(road_point_at(m, 13000)) AS a, ST_AsText(road_point_at(m, 13800)) AS b,"
                    " ST_AsText(road_point_at(m, 11040)) AS p"
                    " FROM (SELECT road_measured(geom, start_chainage_m, length_m) AS m FROM roads"
                    " WHERE id = :id) AS r"
                ),
                {"id": roads["X901"].id},
            )
        ).one()
    segment = shapely.from_wkt(found[1]["wkt"])
    assert segment.coords[0] == pytest.approx(shapely.from_wkt(ends.a).coords[0])
    assert segment.coords[-1] == pytest.approx(shapely.from_wkt(ends.b).coords[0])
    assert shapely.from_wkt(found[0]["wkt"]).coords[0] == pytest.approx(shapely.from_wkt(ends.p).coords[0])


async def test_a_longer_time_window_takes_the_old_crashes_in(engine: AsyncEngine, roads: Roads) -> None:
    await lay_out(engine, roads["X901"])
    summary = await detect(engine, years=6)
    assert summary.crashes_considered == 18
    found = await candidates(engine)
    # O: three fatal crashes within 100 m are a point (K16+050) and nothing else.
    assert ("point", 15_900.0, 16_200.0, 16_050.0, 3, 3, 3, 3, 0) in [essentials(c) for c in found]
    assert len(found) == 4


async def test_thresholds_and_windows_are_parameters(engine: AsyncEngine, roads: Roads) -> None:
    await lay_out(engine, roads["X901"])
    # A 1 km window, ordinary crashes ≥ 4, the major rule off: M is no longer anything; S (800 m
    # of crashes) is widened to one window around its middle, K12+900–K13+900.
    await detect(engine, min_major_crashes=0, min_ordinary_crashes=4, window_m=1000)
    found = [(c["kind"], c["s"], c["e"]) for c in await candidates(engine)]
    assert found == [("point", 10_890.0, 11_190.0), ("segment", 12_900.0, 13_900.0)]
    # County practice: ≥5 crashes of any kind, everything else off. In 500 m S never has 5.
    county = {"min_fatal_crashes": 0, "min_major_crashes": 0, "min_ordinary_crashes": 0, "min_crashes": 5}
    await detect(engine, **county)
    assert [(c["kind"], c["n"], c["reasons"]) for c in await candidates(engine)] == [
        ("point", 5, ["crashes"])
    ]
    # With 1 km, the window K11+020–K12+020 holds five (P's last four and N's K12+000): exact
    # windows find it; the stretch K11+000–K12+000 holds six, more than the point's five.
    await detect(engine, **county, window_m=1000)
    counted = [(c["kind"], c["s"], c["e"], c["n"]) for c in await candidates(engine)]
    assert counted == [
        ("point", 10_890.0, 11_190.0, 5),
        ("segment", 11_000.0, 12_000.0, 6),
        ("segment", 12_900.0, 13_900.0, 5),
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"window_m": 0}, "window_m"),
        ({"window_m_by_class": {"expressway": 200_000}}, "window_m_by_class.expressway"),
        ({"window_m_by_class": {"motorway": 1000}}, "window_m_by_class.motorway"),
        ({"point_radius_m": 0}, "point_radius_m"),
        ({"max_segment_m": 400}, "max_segment_m"),
        ({"window_m_by_class": {"expressway": 3000}}, "max_segment_m"),
        ({"since": UNTIL}, "since"),
        (
            {"min_fatal_crashes": 0, "min_major_crashes": 0, "min_ordinary_crashes": 0, "min_crashes": 0},
            "thresholds",
        ),
    ],
)
def test_parameters_that_cannot_work_are_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        detection.detection_params(until=UNTIL, **overrides)  # type: ignore[arg-type]
    assert err.value.errors[0].field == field


async def test_decisions_stick_across_runs(engine: AsyncEngine, roads: Roads) -> None:
    x901 = roads["X901"]
    await lay_out(engine, x901)
    await detect(engine)
    p, s, m = await candidates(engine)
    async with engine.begin() as conn:
        accepted = await detection.accept_candidate(conn, int(s["id"]), category="HJ01", actor="王警官")
        await detection.dismiss_candidate(conn, int(p["id"]), actor="王警官", note="路口已改造")

    # Run again, with more crashes: S grows to K14+000 (the segment overlaps the accepted one) and
    # its last three fatal crashes now make a point K13+900 (inside the accepted segment); P is
    # found again (dismissed); a new cluster appears at K16+400 (over 500 m short of N's K17+000).
    # Only M and the new one are proposed.
    for ch in (13_900, 14_000):
        await add_crash(engine, x901, ch, deaths=1)
    new = [await add_crash(engine, x901, ch) for ch in (16_400, 16_410, 16_420, 16_430, 16_440)]
    summary = await detect(engine)
    found = (summary.segments_found, summary.points_found, summary.proposed, summary.already_decided)
    assert found == (1, 4, 2, 3)
    pending = await candidates(engine)
    assert [(c["kind"], c["p"]) for c in pending] == [("point", 15_050.0), ("point", 16_420.0)]
    assert pending[1]["crash_ids"] == new
    assert pending[0]["id"] != m["id"]  # pending ones are replaced, not kept
    decided = await candidates(engine, status=None)
    assert [(c["status"], c["hazard_id"]) for c in decided if c["status"] != "candidate"] == [
        ("dismissed", None),
        ("accepted", accepted.hazard_id),
    ]


async def test_accepting_puts_the_stretch_into_the_ledger(engine: AsyncEngine, roads: Roads) -> None:
    await lay_out(engine, roads["X901"])
    await detect(engine)
    p, s, _ = await candidates(engine)
    async with engine.begin() as conn:
        seg = await detection.accept_candidate(
            conn,
            int(s["id"]),
            category="XL03",
            actor="王警官",
            grade="significant",
            direction=3,
        )
        pt = await detection.accept_candidate(conn, int(p["id"]), category="JC01", actor="王警官")
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT id, ledger_no, kind, category_code, visibility, grade, source, status, road_id,"
                    " chainage_m, end_chainage_m, direction, address, description, county_code,"
                    " ST_Length(geom::geography) AS length_m, created_by"
                    " FROM hazards ORDER BY id"
                )
            )
        ).all()
        events = (
            await conn.execute(text("SELECT hazard_id, action, actor FROM hazard_events ORDER BY id"))
        ).all()
    assert [r.id for r in rows] == [seg.hazard_id, pt.hazard_id]
    h = rows[0]
    assert (h.kind, h.category_code, h.visibility, h.grade, h.source, h.status) == (
        "segment", "XL03", "implicit", "significant", "crash_analysis", "reported",
    )  # fmt: skip
    assert (h.road_id, h.chainage_m, h.end_chainage_m, h.direction) == (roads["X901"].id, 13_000, 13_800, 3)
    assert h.length_m == pytest.approx(800, abs=0.5)
    assert h.address == "X901 K13+000-K13+800"
    assert h.description == (
        "事故分析：2023-06-01至2026-06-01，X901 K13+000-K13+800共5起事故（死亡5人，受伤10人，"
        "亡人事故5起，一般程序事故5起）。"
    )
    assert h.county_code == "371502" and h.ledger_no == seg.ledger_no and h.ledger_no.startswith("371502-")
    assert h.created_by == "王警官"
    assert (rows[1].kind, rows[1].chainage_m, rows[1].end_chainage_m) == ("point", 11_040, None)
    assert [(e.hazard_id, e.action, e.actor) for e in events] == [
        (seg.hazard_id, "create", "王警官"),
        (pt.hazard_id, "create", "王警官"),
    ]

    async with engine.begin() as conn:
        with pytest.raises(Conflict, match=f"already in the ledger as {seg.ledger_no}"):
            await detection.accept_candidate(conn, int(s["id"]), category="XL03", actor="x")
    async with engine.begin() as conn:
        with pytest.raises(Conflict, match="close that hazard instead"):
            await detection.dismiss_candidate(conn, int(s["id"]), actor="x")
    async with engine.begin() as conn:
        with pytest.raises(NotFound):
            await detection.accept_candidate(conn, 999_999, category="XL03", actor="x")
    async with engine.begin() as conn:
        _, _, m = await candidates(engine, status=None)
        with pytest.raises(InvalidInput) as err:
            await detection.accept_candidate(conn, int(m["id"]), category="ZZ99", actor="x")
        assert err.value.errors[0].field == "category"

"""桩号 calibration by mileposts: posted 桩号 that are not the line's length, chain breaks, reversal.

Road X951 runs east along 36.375° N from 115.74° to 115.80° (about 5.4 km). Its mileposts:

- A at 115.745: K20+000;
- B at 115.765: K22+300 — 2,300 posted metres over about 1,795 m of road (505 m more);
- a chain break (断链) at 115.775: K23+200 behind, K23+600 ahead (a short chain: K23+200 to
  K23+600 do not exist);
- C at 115.795: K25+400.

Road X952 is drawn eastwards but its 桩号 rise westwards (K5+000 at 115.79, K9+000 at 115.75).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from app import clirun
from app.cli import cli
from app.errors import InvalidInput
from app.roads import cli as roads_cli
from app.roads import linear, mileposts
from app.roads.calibration import Milepost, calibrate
from tests.support.accounts import auth_headers
from tests.support.roads import geodesic_m, insert_road

LAT = 36.375
SOURCE = "test fixture: calibration"
X951_WKT = f"LINESTRING(115.74 {LAT}, 115.77 {LAT}, 115.80 {LAT})"
X952_WKT = "LINESTRING(115.74 36.38, 115.80 36.38)"
CSV = f"""道路编号,桩号,经度,纬度
X951,K20+000,115.745,{LAT}
X951,K22+300,115.765,{LAT}
X951,K23+200,115.775,{LAT}
X951,K23+600,115.775,{LAT}
X951,K25+400,115.795,{LAT}
X952,K5+000,115.79,36.38
X952,K9+000,115.75,36.38
X952,K7+000,115.77,36.39
X999,K1+000,115.77,36.38
"""


def along(lon1: float, lon2: float, lat: float = LAT) -> float:
    return geodesic_m(lon1, lat, lon2, lat)


@pytest.fixture(scope="module")
async def calibrated(engine: AsyncEngine) -> AsyncIterator[mileposts.CalibrationReport]:
    roads = [
        await insert_road(engine, code, wkt, 0.0) for code, wkt in (("X951", X951_WKT), ("X952", X952_WKT))
    ]
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE roads SET source = :s WHERE id = ANY(:ids)"),
            {"s": SOURCE, "ids": [r.id for r in roads]},
        )
        report = await mileposts.load_mileposts(conn, mileposts.read_mileposts(CSV.encode()), "test")
    yield report
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM roads WHERE source = :s"), {"s": SOURCE})
        await conn.execute(
            text("ALTER TABLE road_calibration_points DISABLE TRIGGER road_calibration_points_no_delete")
        )
        await conn.execute(text("DELETE FROM road_calibration_points WHERE road_code IN ('X951', 'X952')"))
        await conn.execute(
            text("ALTER TABLE road_calibration_points ENABLE TRIGGER road_calibration_points_no_delete")
        )


# -- the pure calibration -----------------------------------------------------------------------


def test_between_mileposts_the_measure_is_linear_and_a_break_splits_the_line() -> None:
    line = shapely.from_wkt(X951_WKT)
    posts = [
        Milepost(1, 20_000, 115.745, LAT),
        Milepost(2, 22_300, 115.765, LAT),
        Milepost(3, 23_200, 115.775, LAT),
        Milepost(4, 23_600, 115.775, LAT),
    ]
    result = calibrate(line, posts, srid=32650)
    assert not result.reversed and not result.refused
    assert [s.is_break for s in result.stations] == [False, False, True]
    measured = shapely.from_wkt(result.ewkt.split(";", 1)[1])
    assert measured.geom_type == "MultiLineString" and len(measured.geoms) == 2
    first, second = (list(g.coords) for g in measured.geoms)
    # The line's start lies 448 m before A, at one metre per metre.
    assert first[0][2] == pytest.approx(20_000 - along(115.74, 115.745), abs=0.5)
    # The vertex at 115.77 lies between B and the break: 1/2 of the way in metres.
    vertex = next(c for c in first if c[0] == pytest.approx(115.77))
    assert vertex[2] == pytest.approx(
        22_300 + 900 * along(115.765, 115.77) / along(115.765, 115.775), abs=0.5
    )
    assert first[-1][2] == pytest.approx(23_200) and second[0][2] == pytest.approx(23_600)
    assert first[-1][:2] == pytest.approx(second[0][:2])
    assert result.start_m == pytest.approx(first[0][2])


def test_a_line_drawn_against_the_chainage_is_measured_from_its_other_end() -> None:
    line = shapely.from_wkt(X952_WKT)
    posts = [Milepost(1, 5_000, 115.79, 36.38), Milepost(2, 9_000, 115.75, 36.38)]
    result = calibrate(line, posts, srid=32650)
    assert result.reversed
    coords = list(shapely.from_wkt(result.ewkt.split(";", 1)[1]).geoms[0].coords)
    assert coords[0][0] == pytest.approx(115.80) and coords[-1][0] == pytest.approx(115.74)
    assert [c[2] for c in coords] == sorted(c[2] for c in coords)


def test_a_milepost_far_from_the_road_or_out_of_order_is_refused_with_its_reason() -> None:
    line = shapely.from_wkt(X951_WKT)
    posts = [
        Milepost(1, 20_000, 115.745, LAT),
        Milepost(2, 19_000, 115.755, LAT),  # lower than A, further on
        Milepost(3, 22_300, 115.765, LAT),
        Milepost(4, 21_000, 115.76, 36.39),  # 1.7 km north
    ]
    result = calibrate(line, posts, srid=32650)
    reasons = {p.seq: reason for p, reason in result.refused}
    assert set(reasons) == {2, 4}
    assert "out of order" in reasons[2]
    assert "from the road" in reasons[4]
    assert [p.seq for p in result.used] == [1, 3]


# -- the calibrated routes in the database ------------------------------------------------------


async def test_the_report_names_routes_breaks_and_refusals(calibrated: mileposts.CalibrationReport) -> None:
    routes = {r.code: r for r in calibrated.routes}
    assert set(routes) == {"X951", "X952"}
    assert (routes["X951"].posts, routes["X951"].breaks, routes["X951"].reversed) == (5, 1, 0)
    assert (routes["X952"].posts, routes["X952"].reversed) == (2, 1)
    assert routes["X952"].refused == ["K7+000: 1110 m from the road (more than 200 m)"]
    assert [r.reason for r in calibrated.refused_rows] == [
        "road_code: no road X999 in the network (1 mileposts not stored)"
    ]


async def test_a_posted_chainage_lands_on_its_milepost(engine: AsyncEngine, calibrated: object) -> None:
    async with engine.connect() as db:
        b = await linear.point_at_chainage(db, "X951", 22_300)
        half = await linear.point_at_chainage(db, "X951", 21_150)
    assert geodesic_m(b.lon, b.lat, 115.765, LAT) < 1.0
    # Posted 2,300 m against 1,795 m of road: the geometric length would miss by 505 m.
    assert 2_300 - along(115.745, 115.765) == pytest.approx(505, abs=1)
    assert geodesic_m(half.lon, half.lat, 115.755, LAT) < 1.0


async def test_snapping_answers_the_posted_chainage(engine: AsyncEngine, calibrated: object) -> None:
    async with engine.connect() as db:
        b = await linear.snap_to_road(db, 115.765, LAT + 0.0001, route="X951")
        ahead = await linear.snap_to_road(db, 115.776, LAT, route="X951")
        behind = await linear.snap_to_road(db, 115.774, LAT, route="X951")
    assert b.position is not None and b.position.chainage_m == pytest.approx(22_300, abs=1.0)
    assert ahead.position is not None
    assert ahead.position.chainage_m == pytest.approx(
        23_600 + 1800 / along(115.775, 115.795) * along(115.775, 115.776), abs=1.0
    )
    assert behind.position is not None
    assert behind.position.chainage_m == pytest.approx(
        23_200 - 900 / along(115.765, 115.775) * along(115.774, 115.775), abs=1.0
    )


async def test_a_chainage_inside_a_chain_break_does_not_exist(
    engine: AsyncEngine, calibrated: object
) -> None:
    async with engine.connect() as db:
        with pytest.raises(InvalidInput) as caught:
            await linear.point_at_chainage(db, "X951", 23_400)
    assert "chain break (断链) where the 桩号 jumps from K23+200 to K23+600" in str(caught.value)


async def test_a_stretch_across_the_break_is_one_line(engine: AsyncEngine, calibrated: object) -> None:
    async with engine.connect() as db:
        stretch = await linear.stretch_between(db, "X951", 23_000, 24_000)
    line = shapely.from_wkt(stretch.wkt)
    assert line.geom_type == "LineString"
    start_lon = 115.775 - 200 / 900 * (115.775 - 115.765)
    end_lon = 115.775 + 400 / 1800 * (115.795 - 115.775)
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    assert geodesic_m(x0, y0, start_lon, LAT) < 1.0
    assert geodesic_m(x1, y1, end_lon, LAT) < 1.0
    assert stretch.length_m == pytest.approx(along(start_lon, end_lon), abs=1.0)


async def test_a_reversed_road_locates_by_its_posts(engine: AsyncEngine, calibrated: object) -> None:
    async with engine.connect() as db:
        mid = await linear.point_at_chainage(db, "X952", 7_000)
    assert geodesic_m(mid.lon, mid.lat, 115.77, 36.38) < 1.0


async def test_locate_api_and_a_new_hazard_use_the_calibrated_measure(
    client: httpx.AsyncClient, calibrated: object
) -> None:
    r = await client.get("/api/v1/roads/locate", params={"road": "X951", "chainage": "K22+300"})
    assert r.status_code == 200, r.text
    lon, lat = r.json()["geometry"]["coordinates"]
    assert geodesic_m(lon, lat, 115.765, LAT) < 1.0
    feature = {
        "type": "Feature",
        "geometry": None,
        "properties": {"category": "JC01", "road": "X951", "chainage": "K22+300"},
    }
    created = await client.post("/api/v1/hazards", json=feature, params={"on_duplicate": "create"})
    assert created.status_code == 201, created.text
    lon, lat = created.json()["geometry"]["coordinates"]
    assert geodesic_m(lon, lat, 115.765, LAT) < 1.0


async def test_a_new_file_replaces_a_codes_mileposts_and_keeps_the_old(
    engine: AsyncEngine, calibrated: object
) -> None:
    again = "road_code,chainage,lon,lat\nX952,5000,115.79,36.38\nX952,K9+000,115.75,36.38\n"
    async with engine.begin() as conn:
        report = await mileposts.load_mileposts(conn, mileposts.read_mileposts(again.encode()), "again")
        counts = (
            await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE replaced_at IS NULL) AS now,"
                    " count(*) FILTER (WHERE replaced_at IS NOT NULL) AS replaced"
                    " FROM road_calibration_points WHERE road_code = 'X952'"
                )
            )
        ).one()
    assert [r.posts for r in report.routes] == [2]
    assert (counts.now, counts.replaced) == (2, 3)


def test_a_row_that_cannot_be_read_is_refused_and_the_rest_kept() -> None:
    data = (
        "道路编号,桩号,经度,纬度\nX951,K1+000,115.7,36.3\nX951,abc,115.7,36.3\n"
        ",K1+000,1,1\nX951,K2+000,x,36.3\n"
    )
    parsed = mileposts.read_mileposts(data.encode("gb18030"))
    assert parsed.count == 1
    assert [r.row for r in parsed.refused] == [3, 4, 5]
    assert parsed.refused[1].reason == "road_code: empty"


def test_a_file_without_a_chainage_column_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no chainage column"):
        mileposts.read_mileposts(b"code,lon,lat\nX1,1,2\n")


def test_the_command_reports_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_db: str
) -> None:
    async def keep() -> None:
        pass

    monkeypatch.setattr(roads_cli, "get_engine", lambda: create_async_engine(isolated_db, poolclass=NullPool))
    monkeypatch.setattr(clirun, "dispose_engine", keep)
    path = tmp_path / "posts.csv"
    path.write_text("road_code,chainage,lon,lat\nX999,K1+000,115.77,36.38\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["roads", "calibrate", str(path)])
    assert result.exit_code == 0, result.output
    assert "no road X999 in the network" in result.output


async def test_the_mileposts_api_lists_and_an_administrator_uploads(
    client: httpx.AsyncClient, calibrated: object
) -> None:
    listed = await client.get("/api/v1/roads/mileposts", params={"road": "x951"})
    assert listed.status_code == 200
    assert [(m["chainage"], m["seq"]) for m in listed.json()["mileposts"]] == [
        ("K20+000", 1),
        ("K22+300", 2),
        ("K23+200", 3),
        ("K23+600", 4),
        ("K25+400", 5),
    ]
    csv_file = (
        "posts.csv",
        b"road_code,chainage,lon,lat\nX952,K5+000,115.79,36.38\nX952,K9+000,115.75,36.38\n",
    )
    refused = await client.post(
        "/api/v1/roads/mileposts", files={"file": csv_file}, headers=auth_headers("county_officer")
    )
    assert refused.status_code == 403
    uploaded = await client.post("/api/v1/roads/mileposts", files={"file": csv_file})
    assert uploaded.status_code == 200, uploaded.text
    assert [(r["road_code"], r["mileposts"]) for r in uploaded.json()["routes"]] == [("X952", 2)]
    bad = await client.post("/api/v1/roads/mileposts", files={"file": ("x.csv", b"code,lon,lat\nX1,1,2\n")})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "no chainage column" in bad.json()["detail"]

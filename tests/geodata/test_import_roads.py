"""`hazardmap import roads`: GeoJSON, GeoPackage and zipped Shapefile; refusals; bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.coords import Crs, lonlat_from_wgs84
from app.errors import InvalidInput
from app.geodata import roads as roads_module
from app.geodata.reading import BadFile
from app.geodata.report import Refusal
from app.geodata.roads import RoadImportOptions, class_from_code, import_roads, parse_class_map
from app.vocab import RoadClass
from tests.support.geodata import (
    BEIJING,
    CHIPING,
    DONGCHANGFU,
    all_rows,
    feature,
    line,
    metres,
    scalar,
    write_geojson,
    write_gpkg,
    write_zipped_shapefile,
)

SHIPPED_ROADS = 203
OPTS = RoadImportOptions(
    code_field="code", name_field="name", class_field="class", start_chainage_field="start", crs=Crs.wgs84
)


def ls(coords: list[list[float]]) -> dict[str, object]:
    return {"type": "LineString", "coordinates": coords}


def test_class_from_code() -> None:
    assert class_from_code("G20") is RoadClass.expressway
    assert class_from_code("G0321") is RoadClass.expressway
    assert class_from_code("S1") is RoadClass.expressway
    assert class_from_code("G309") is RoadClass.national
    assert class_from_code("s245") is RoadClass.provincial
    assert class_from_code("X012") is RoadClass.county
    assert class_from_code("Y034") is RoadClass.township
    assert class_from_code("C101") is RoadClass.village
    assert class_from_code("Z001") is None
    assert class_from_code("G30901") is None


def test_parse_class_map() -> None:
    assert parse_class_map("1=expressway, 国道=national,") == {
        "1": RoadClass.expressway,
        "国道": RoadClass.national,
    }
    with pytest.raises(InvalidInput, match="not a road class"):
        parse_class_map("1=motorway")
    with pytest.raises(InvalidInput, match="VALUE=CLASS"):
        parse_class_map("expressway")


async def test_geojson_with_one_bad_row(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    a, b = DONGCHANGFU, (DONGCHANGFU[0] + 0.05, DONGCHANGFU[1])
    path = write_geojson(
        tmp_path / "roads.geojson",
        [
            feature(
                ls(line(a)), code="G309", name="G309 荣兰线", **{"class": "national", "start": "K516+600"}
            ),
            # Two parts that meet end to end: stored as one LineString.
            feature(
                {"type": "MultiLineString", "coordinates": [line(b, 0.02), line((b[0] + 0.02, b[1]), 0.02)]},
                code="X901",
                name="X901 测试路",
                **{"class": "县道", "start": ""},
            ),
            feature(ls(line(a, 0.0, 0.05)), code="X902", name="X902", **{"class": "motorway", "start": "0"}),
        ],
    )
    report = await import_roads(iso_engine, path, OPTS)
    assert (report.loaded, report.refused) == (2, [Refusal(3, "unknown class 'motorway'")])
    assert report.summary == "loaded 2, refused 1"
    got = await all_rows(
        iso_engine,
        """SELECT code, road_class, layer_group, start_chainage_m, ST_GeometryType(geom), schematic, source,
                  abs(length_m - ST_Length(geom::geography)) < 0.01
             FROM roads WHERE source LIKE 'import:%' ORDER BY code""",
    )
    assert got == [
        ("G309", "national", "trunk", 516600.0, "ST_LineString", False, "import:roads.geojson", True),
        ("X901", "county", "county_township", 0.0, "ST_LineString", False, "import:roads.geojson", True),
    ]
    assert await scalar(iso_engine, "SELECT count(*) FROM roads") == SHIPPED_ROADS + 2


async def test_geopackage_with_one_bad_row(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_gpkg(
        tmp_path / "roads.gpkg",
        [
            feature(
                ls(line(DONGCHANGFU)), code="S242", name="S242", **{"class": "provincial", "start": 1200.5}
            ),
            # Two parts that do not meet stay a MultiLineString.
            feature(
                {
                    "type": "MultiLineString",
                    "coordinates": [line(CHIPING, 0.01), line((CHIPING[0] + 0.05, CHIPING[1]), 0.01)],
                },
                code="Y901",
                name="Y901",
                **{"class": "township", "start": 0.0},
            ),
            feature(
                {
                    "type": "Polygon",
                    "coordinates": [[[115.9, 36.4], [115.95, 36.4], [115.95, 36.45], [115.9, 36.4]]],
                },
                code="X903",
                name="X903",
                **{"class": "county", "start": 0.0},
            ),
        ],
    )
    report = await import_roads(iso_engine, path, OPTS)
    assert report.loaded == 2
    assert report.refused == [Refusal(3, "wrong geometry type Polygon (expected a line)")]
    got = await all_rows(
        iso_engine,
        "SELECT code, start_chainage_m, ST_GeometryType(geom) FROM roads "
        "WHERE source = 'import:roads.gpkg' ORDER BY code",
    )
    assert got == [("S242", 1200.5, "ST_LineString"), ("Y901", 0.0, "ST_MultiLineString")]


async def test_zipped_shapefile_with_one_bad_row_and_class_from_code(
    iso_engine: AsyncEngine, tmp_path: Path
) -> None:
    path = write_zipped_shapefile(
        tmp_path / "roads.zip",
        [
            feature(ls(line(DONGCHANGFU)), code="G20", name="G20 青银高速"),
            feature(ls(line(CHIPING)), code="C901", name="C901 测试村道"),
            feature(ls(line(CHIPING, 0.0, 0.03)), code=None, name="无编号"),
        ],
    )
    opts = RoadImportOptions(code_field="code", name_field="name", crs=Crs.wgs84)
    report = await import_roads(iso_engine, path, opts)
    assert (report.loaded, report.refused) == (2, [Refusal(3, "missing code")])
    got = await all_rows(
        iso_engine, "SELECT code, name, road_class FROM roads WHERE source = 'import:roads.zip' ORDER BY code"
    )
    assert got == [("C901", "C901 测试村道", "village"), ("G20", "G20 青银高速", "expressway")]


async def test_geometry_refusals(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            feature(ls(line(BEIJING)), code="G1", **{"class": "expressway"}),
            feature(None, code="G2", **{"class": "expressway"}),
            feature(ls([[116.0, 36.5], [116.0, 36.5]]), code="X904", **{"class": "county"}),
            feature({"type": "Point", "coordinates": [116.0, 36.5]}, code="X905", **{"class": "county"}),
            feature(ls(line(DONGCHANGFU)), code="X906", **{"class": "county", "start": "-5"}),
            feature(ls(line(DONGCHANGFU)), code="X907", **{"class": "county", "start": "abc"}),
            feature(ls(line(DONGCHANGFU)), code="X908", **{"class": ""}),
        ],
    )
    opts = RoadImportOptions(code_field="code", class_field="class", start_chainage_field="start")
    report = await import_roads(iso_engine, path, opts)
    assert report.loaded == 0
    assert report.refused == [
        Refusal(1, "outside the city"),
        Refusal(2, "empty geometry"),
        Refusal(3, "invalid geometry: Too few points in geometry component[116 36.5]"),
        Refusal(4, "wrong geometry type Point (expected a line)"),
        Refusal(5, "negative start chainage"),
        Refusal(6, "start chainage 'abc' is not a number or a K…+… chainage"),
        Refusal(7, "missing class"),
    ]
    assert await scalar(iso_engine, "SELECT count(*) FROM roads") == SHIPPED_ROADS


async def test_gcj02_lines_are_converted(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    wgs_start = DONGCHANGFU
    gcj_start = lonlat_from_wgs84(*wgs_start, Crs.gcj02)
    path = write_geojson(
        tmp_path / "gcj.geojson",
        [
            feature(
                ls([list(gcj_start), [gcj_start[0] + 0.02, gcj_start[1]]]), code="X909", **{"class": "county"}
            )
        ],
    )
    opts = RoadImportOptions(code_field="code", class_field="class", crs=Crs.gcj02)
    report = await import_roads(iso_engine, path, opts)
    assert report.loaded == 1
    ((x, y),) = await all_rows(
        iso_engine,
        "SELECT ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)) FROM roads WHERE code = 'X909'",
    )
    assert metres((x, y), wgs_start) < 1.0


@pytest.mark.parametrize(
    ("name", "content", "opts", "message"),
    [
        ("roads.geojson", None, RoadImportOptions(code_field="code", class_field="nope"), "no field 'nope'"),
        ("roads.geojson", b"{not json", OPTS, "cannot read it"),
        ("roads.txt", b"G309", OPTS, "unsupported file type .txt"),
        ("missing.geojson", b"", OPTS, "no such file"),
        ("empty.geojson", b'{"type":"FeatureCollection","features":[]}', OPTS, "has no rows"),
    ],
)
async def test_a_bad_file_changes_nothing(
    iso_engine: AsyncEngine,
    tmp_path: Path,
    name: str,
    content: bytes | None,
    opts: RoadImportOptions,
    message: str,
) -> None:
    path = tmp_path / name
    if content is None:
        write_geojson(path, [feature(ls(line(DONGCHANGFU)), code="G309", **{"class": "national"})])
    elif name != "missing.geojson":
        path.write_bytes(content)
    with pytest.raises(BadFile, match=message):
        await import_roads(iso_engine, path, opts)
    assert await scalar(iso_engine, "SELECT count(*) FROM roads") == SHIPPED_ROADS


async def test_a_geopackage_with_two_layers_needs_layer(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    rows = [feature(ls(line(DONGCHANGFU)), code="G309", name="G309", **{"class": "national", "start": 0.0})]
    write_gpkg(path, rows, layer="a")
    write_gpkg(path, rows, layer="b")
    with pytest.raises(BadFile, match="layers a, b"):
        await import_roads(iso_engine, path, OPTS)
    opts = RoadImportOptions(
        code_field="code", name_field="name", class_field="class", start_chainage_field="start", layer="b"
    )
    assert (await import_roads(iso_engine, path, opts)).loaded == 1


async def test_a_failure_after_the_insert_rolls_everything_back(
    iso_engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> list[Refusal]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(roads_module, "refusals", broken)
    path = write_geojson(
        tmp_path / "roads.geojson", [feature(ls(line(DONGCHANGFU)), code="G309", **{"class": "national"})]
    )
    with pytest.raises(RuntimeError, match="disk full"):
        await import_roads(iso_engine, path, RoadImportOptions(code_field="code", class_field="class"))
    assert await scalar(iso_engine, "SELECT count(*) FROM roads") == SHIPPED_ROADS

"""`hazardmap import roads FILE.osm[.pbf]` and OSM-style GIS files: classify, join, replace, report.

The test files are OSM XML, read by the same GDAL driver as .osm.pbf.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from app.cli import cli
from app.errors import InvalidInput
from app.geodata import cli as geodata_cli
from app.geodata.network import NetworkFields, road_class, split_refs
from app.geodata.routes import RouteImportOptions, import_network
from app.roads import mileposts
from app.vocab import RoadClass
from tests.support.geodata import all_rows, metres, write_gpkg

LAT = 36.45
Way = tuple[int, list[tuple[float, float]], dict[str, str]]


def osm_xml(ways: list[Way]) -> str:
    nodes: dict[tuple[float, float], int] = {}
    for _, coords, _ in ways:
        for c in coords:
            nodes.setdefault(c, len(nodes) + 1)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    lines += [f' <node id="{i}" lat="{lat}" lon="{lon}"/>' for (lon, lat), i in nodes.items()]
    for way_id, coords, tags in ways:
        refs = "".join(f'<nd ref="{nodes[c]}"/>' for c in coords)
        tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f' <way id="{way_id}">{refs}{tag_xml}</way>')
    lines.append("</osm>")
    return "\n".join(lines)


A, B, C = (115.95, LAT), (115.96, LAT), (115.97, LAT)
EAST = [(115.95, 36.44), (115.975, 36.44), (116.00, 36.44)]
WEST = [(116.00, 36.4403), (115.975, 36.4403), (115.95, 36.4403)]
WAYS: list[Way] = [
    (1, [A, B], {"highway": "primary", "ref": "G399;S399", "name": "测试国道"}),
    (2, [B, C], {"highway": "primary", "ref": "G399"}),
    (3, EAST, {"highway": "motorway", "ref": "S97", "oneway": "yes", "name": "测试高速"}),
    (4, WEST, {"highway": "motorway", "ref": "S97", "oneway": "yes", "name": "测试高速"}),
    (5, [(116.00, 36.44), (116.001, 36.445)], {"highway": "motorway_link", "ref": "S97", "oneway": "yes"}),
    (6, [(115.95, 36.46), (115.96, 36.46)], {"highway": "residential", "name": "小巷"}),
    (7, [(115.95, 36.47), (115.96, 36.47)], {"highway": "tertiary", "ref": "Z001", "name": "厂区专用路"}),
    (8, [(115.95, 36.48), (115.96, 36.48)], {"highway": "track", "ref": "K5"}),
]


def test_refs_split_into_route_codes() -> None:
    assert split_refs("G309;S1") == (["G309", "S1"], [])
    assert split_refs("g 309 ; k5") == (["G309"], ["K5"])
    assert road_class("S1", "motorway") is RoadClass.expressway
    assert road_class("G309", "primary") is RoadClass.national
    assert road_class("C101", "residential") is RoadClass.village
    assert road_class("Z001", "tertiary") is RoadClass.township


@pytest.fixture
def osm_file(tmp_path: Path) -> Path:
    path = tmp_path / "area.osm"
    path.write_text(osm_xml(WAYS), encoding="utf-8")
    return path


async def test_ways_become_routes_with_their_groups(iso_engine: AsyncEngine, osm_file: Path) -> None:
    report = await import_network(iso_engine, osm_file, RouteImportOptions(fields=NetworkFields()))
    rows = await all_rows(
        iso_engine,
        "SELECT code, name, road_class, layer_group, ST_GeometryType(geom) AS gtype, length_m FROM roads"
        " WHERE source = 'import:area.osm' ORDER BY code",
    )
    assert [(r.code, r.name, r.road_class, r.layer_group, r.gtype) for r in rows] == [
        ("G399", "测试国道", "national", "trunk", "ST_LineString"),
        ("S399", "测试国道", "provincial", "trunk", "ST_LineString"),
        ("S97", "测试高速", "expressway", "expressway", "ST_LineString"),
        ("Z001", "厂区专用路", "township", "county_township", "ST_LineString"),
    ]
    lengths = {r.code: r.length_m for r in rows}
    assert lengths["G399"] == pytest.approx(metres(A, C), abs=0.5)
    # One carriageway of the dual carriageway, not both.
    assert lengths["S97"] == pytest.approx(metres(EAST[0], EAST[-1]), abs=0.5)
    assert report.loaded == 4
    assert report.details["group expressway"] == 1
    assert report.details["group trunk"] == 2
    assert report.details["unclassified highway=residential (ways without a route code)"] == 1
    assert report.details["unclassified highway=track (ways without a route code)"] == 1
    assert report.details["ref 'K5' is no route code (ways)"] == 1
    assert report.details["ramps (*_link) left out"] == 1
    assert report.details["routes new"] == 4


async def test_a_reimport_replaces_the_route_keeps_its_id_and_history(
    iso_engine: AsyncEngine, osm_file: Path
) -> None:
    async with iso_engine.begin() as conn:
        ids = (
            (
                await conn.execute(
                    text(
                        "INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, source)"
                        " VALUES ('G399', '旧线', 'national', 0, 900,"
                        "  ST_GeomFromText('LINESTRING(115.95 36.452, 115.958 36.452)', 4326), 'old'),"
                        " ('G399', '旧线', 'national', 900, 1000,"
                        "  ST_GeomFromText('LINESTRING(115.958 36.452, 115.97 36.452)', 4326), 'old')"
                        " RETURNING id"
                    )
                )
            )
            .scalars()
            .all()
        )
        await conn.execute(
            text(
                "INSERT INTO crashes (occurred_at, geom, road_id, chainage_m, procedure)"
                " VALUES (now(), ST_SetSRID(ST_MakePoint(115.965, 36.452), 4326), :id, 1500, 'simple')"
            ),
            {"id": ids[1]},
        )
        posts = mileposts.read_mileposts(
            b"road_code,chainage,lon,lat\nG399,K100+000,115.95,36.45\nG399,K102+000,115.97,36.45\n"
        )
        await mileposts.load_mileposts(conn, posts, "test")
    report = await import_network(iso_engine, osm_file, RouteImportOptions(fields=NetworkFields()))
    assert report.details["routes replaced"] == 1
    assert report.details["pieces merged into their route"] == 1
    assert report.details["routes calibrated by mileposts"] == 1
    rows = await all_rows(
        iso_engine, "SELECT id, name, start_chainage_m, length_m, calibrated FROM roads WHERE code = 'G399'"
    )
    assert [(r.id, r.name, r.calibrated) for r in rows] == [(ids[0], "测试国道", True)]
    assert rows[0].start_chainage_m == pytest.approx(100_000)
    assert rows[0].length_m == pytest.approx(2_000)
    crash = await all_rows(iso_engine, "SELECT road_id FROM crashes")
    assert [c.road_id for c in crash] == [ids[0]]
    versions = await all_rows(
        iso_engine, "SELECT road_id, change, name FROM road_versions WHERE code = 'G399' ORDER BY id"
    )
    assert [(v.road_id, v.change) for v in versions if v.name == "旧线"] == [
        (ids[1], "delete"),
        (ids[0], "update"),
    ]


async def test_a_county_import_replaces_only_that_countys_pieces(
    iso_engine: AsyncEngine, osm_file: Path
) -> None:
    async with iso_engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, source) VALUES"
                " ('G399', '东昌府段', 'national', 0, 900,"
                "  ST_GeomFromText('LINESTRING(115.95 36.452, 115.958 36.452)', 4326), 'old'),"
                " ('G399', '茌平段', 'national', 30000, 1000,"
                "  ST_GeomFromText('LINESTRING(116.24 36.60, 116.25 36.60)', 4326), 'old')"
            )
        )
    report = await import_network(
        iso_engine, osm_file, RouteImportOptions(fields=NetworkFields(), county="371502")
    )
    assert report.details["routes replaced"] == 1
    rows = await all_rows(
        iso_engine, "SELECT name, source FROM roads WHERE code = 'G399' ORDER BY start_chainage_m"
    )
    assert [(r.name, r.source) for r in rows] == [("测试国道", "import:area.osm"), ("茌平段", "old")]
    with pytest.raises(InvalidInput, match="no county '999999'"):
        await import_network(
            iso_engine, osm_file, RouteImportOptions(fields=NetworkFields(), county="999999")
        )


async def test_a_geopackage_with_osm_fields(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    records = [
        {"properties": {"ref": "X911", "highway": "secondary", "name": "测试县道"},
         "geometry": {"type": "LineString", "coordinates": [list(A), list(B)]}},
        {"properties": {"ref": "X911", "highway": "secondary", "name": "测试县道"},
         "geometry": {"type": "LineString", "coordinates": [list(C), list(B)]}},
        {"properties": {"ref": "", "highway": "service", "name": ""},
         "geometry": {"type": "LineString", "coordinates": [list(A), list(C)]}},
    ]  # fmt: skip
    path = write_gpkg(tmp_path / "roads.gpkg", records)
    report = await import_network(iso_engine, path, RouteImportOptions(fields=NetworkFields()))
    assert report.loaded == 1
    assert report.details["unclassified highway=service (ways without a route code)"] == 1
    rows = await all_rows(
        iso_engine, "SELECT ST_GeometryType(geom) AS gtype, length_m FROM roads WHERE code = 'X911'"
    )
    # Two ways drawn towards each other still join into one line.
    assert [r.gtype for r in rows] == ["ST_LineString"]
    assert rows[0].length_m == pytest.approx(metres(A, C), abs=0.5)


def test_the_command_imports_an_osm_file(
    isolated_db: str, osm_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def keep() -> None:
        pass

    monkeypatch.setattr(
        geodata_cli, "get_engine", lambda: create_async_engine(isolated_db, poolclass=NullPool)
    )
    monkeypatch.setattr(geodata_cli, "dispose_engine", keep)
    result = CliRunner().invoke(cli, ["import", "roads", str(osm_file)])
    assert result.exit_code == 0, result.output
    assert "area.osm: loaded 4, refused 0" in result.output
    assert "unclassified highway=residential" in result.output

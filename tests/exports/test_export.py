"""Exports: every format reads back with geopandas to the same features and values."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas
import httpx
import pytest

from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point, segment

pytestmark = pytest.mark.asyncio

# Shapefile field names are cut to 10 characters.
SHP_NAMES = {"county_name": "county_nam", "description": "descriptio"}


@pytest.fixture
async def ledger(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return [
        await create(client, "hazards", point(GULOU, description='东昌路口 缺减速带, "急弯"', grade="major")),
        await create(client, "hazards", point(LIUYUAN, address="柳园路")),
        await create(client, "hazards", point(BOJIQIAO, description="博济桥\n十字路口")),
        await create(client, "segments", segment([(115.95, 36.455), (115.96, 36.456)])),
    ]


async def fetch(client: httpx.AsyncClient, tmp_path: Path, fmt: str, **params: Any) -> Path:
    r = await client.get("/api/v1/export", params={"format": fmt, **params})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith('attachment; filename="')
    path = tmp_path / r.headers["content-disposition"].split('"')[1]
    path.write_bytes(r.content)
    return path


def assert_same(
    frame: geopandas.GeoDataFrame,
    expected: list[dict[str, Any]],
    names: dict[str, str],
    empty_is_null: bool = False,
) -> None:
    frame = frame.sort_values(names.get("ledger_no", "ledger_no")).reset_index(drop=True)
    expected = sorted(expected, key=lambda f: f["properties"]["ledger_no"])
    assert len(frame) == len(expected)
    for i, feature in enumerate(expected):
        row = frame.iloc[i]
        for name in ("ledger_no", "category", "status", "grade", "county", "county_name", "description"):
            value = row[names.get(name, name)]
            if empty_is_null and feature["properties"][name] == "":
                value = "" if value is None or value != value else value  # NaN: dBase has no empty text
            assert value == feature["properties"][name], name
        assert int(row[names.get("id", "id")]) == feature["id"]
        x, y = feature["geometry"]["coordinates"]
        assert (row.geometry.x, row.geometry.y) == (pytest.approx(x, abs=1e-7), pytest.approx(y, abs=1e-7))


async def test_geojson(client: httpx.AsyncClient, ledger: list[dict[str, Any]], tmp_path: Path) -> None:
    path = await fetch(client, tmp_path, "geojson")
    assert path.name.endswith(".geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in doc and doc["type"] == "FeatureCollection"
    for feature in doc["features"]:
        for c in feature["geometry"]["coordinates"]:
            assert len(repr(c).split(".")[1]) <= 7
    assert_same(geopandas.read_file(path), ledger[:3], {})


async def test_geojsonseq(client: httpx.AsyncClient, ledger: list[dict[str, Any]], tmp_path: Path) -> None:
    path = await fetch(client, tmp_path, "geojsonseq")
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and all(line.startswith(b"\x1e") for line in lines[:-1]) and len(lines) == 4
    assert_same(geopandas.read_file(path, driver="GeoJSONSeq"), ledger[:3], {})


async def test_csv(client: httpx.AsyncClient, ledger: list[dict[str, Any]], tmp_path: Path) -> None:
    path = await fetch(client, tmp_path, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = geopandas.read_file(path, GEOM_POSSIBLE_NAMES="wkt", KEEP_GEOM_COLUMNS="NO")
    assert_same(frame, ledger[:3], {})
    assert {float(v) for v in frame["longitude"]} == {GULOU[0], LIUYUAN[0], BOJIQIAO[0]}


async def test_gpkg(client: httpx.AsyncClient, ledger: list[dict[str, Any]], tmp_path: Path) -> None:
    path = await fetch(client, tmp_path, "gpkg")
    assert_same(geopandas.read_file(path, layer="hazards"), ledger[:3], {})


async def test_shapefile(client: httpx.AsyncClient, ledger: list[dict[str, Any]], tmp_path: Path) -> None:
    path = await fetch(client, tmp_path, "shp")
    with zipfile.ZipFile(path) as z:
        names = sorted(z.namelist())
        assert names == sorted(f"hazards.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg"))
        assert z.read("hazards.cpg").strip() == b"UTF-8"
    assert_same(geopandas.read_file(f"zip://{path}"), ledger[:3], SHP_NAMES, empty_is_null=True)


async def test_kml(client: httpx.AsyncClient, ledger: list[dict[str, Any]], tmp_path: Path) -> None:
    path = await fetch(client, tmp_path, "kml")
    # The ledger number is each placemark's name; KML's own id takes the name id.
    assert_same(geopandas.read_file(path), ledger[:3], {"ledger_no": "Name", "id": "id2"}, empty_is_null=True)


async def test_filters_and_segments(
    client: httpx.AsyncClient, ledger: list[dict[str, Any]], tmp_path: Path
) -> None:
    path = await fetch(client, tmp_path, "geojson", county="371502", grade="major")
    assert [f["id"] for f in json.loads(path.read_text())["features"]] == [ledger[0]["id"]]
    path = await fetch(client, tmp_path, "geojsonseq", collection="segments")
    frame = geopandas.read_file(path, driver="GeoJSONSeq")
    assert list(frame["id"]) == [ledger[3]["id"]]
    assert frame.geometry.iloc[0].geom_type == "LineString"
    path = await fetch(client, tmp_path, "gpkg", county="371581")
    assert len(geopandas.read_file(path)) == 0


async def test_bad_input(client: httpx.AsyncClient, engine: Any) -> None:
    r = await client.get("/api/v1/export", params={"format": "xls"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    r = await client.get("/api/v1/export", params={"county": "999999"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "county"


async def test_xlsx_reads_back_to_the_database_values(
    client: httpx.AsyncClient, ledger: list[dict[str, Any]], tmp_path: Path, engine: Any
) -> None:
    from openpyxl import load_workbook
    from sqlalchemy import text

    from app.exports.formats import CSV_COLUMNS, XLSX_HEADERS

    path = await fetch(client, tmp_path, "xlsx")
    assert path.name.endswith(".xlsx")
    ws = load_workbook(path, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [XLSX_HEADERS[c] for c in CSV_COLUMNS]
    assert rows[0][:3] == ("编号", "唯一标识", "隐患编号")
    cells = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]]
    points = [f for f in ledger if f["geometry"]["type"] == "Point"]
    assert [c["id"] for c in cells] == [f["id"] for f in points]
    async with engine.connect() as conn:
        db = {
            r.id: r
            for r in await conn.execute(
                text(
                    "SELECT id, ledger_no, grade, description, address, ST_X(geom) AS x, ST_Y(geom) AS y, "
                    "ST_AsText(geom, 7) AS wkt, version FROM hazards WHERE kind = 'point'"
                )
            )
        }
    for cell, feature in zip(cells, points, strict=True):
        row = db[cell["id"]]
        # An empty text is an empty cell: a spreadsheet has no other way to write it.
        assert (cell["ledger_no"], cell["grade"], cell["description"] or "") == (
            row.ledger_no,
            row.grade,
            row.description,
        )
        assert cell["address"] == row.address and cell["version"] == row.version
        assert cell["longitude"] == pytest.approx(row.x, abs=1e-7) and cell["latitude"] == pytest.approx(
            row.y, abs=1e-7
        )
        assert cell["wkt"] == row.wkt
        for name in ("uid", "category", "county_name", "reported_at", "status", "demo"):
            assert cell[name] == feature["properties"][name], name
    # Segments: no longitude/latitude, the line as WKT.
    path = await fetch(client, tmp_path, "xlsx", collection="segments")
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    seg = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert (seg["longitude"], seg["latitude"]) == (None, None)
    assert seg["wkt"] == "LINESTRING(115.95 36.455,115.96 36.456)"
    # Filters apply as to the other formats.
    path = await fetch(client, tmp_path, "xlsx", grade="major")
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [ledger[0]["id"]]

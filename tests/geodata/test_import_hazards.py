"""`hazardmap import hazards`: CSV in GCJ-02, GeoJSON segments, vocabulary, refusals, re-imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.coords import Crs, lonlat_from_wgs84
from app.geodata.hazards import HazardImportOptions, import_hazards
from app.geodata.reading import BadFile
from app.geodata.report import Refusal
from tests.support.geodata import (
    BEIJING,
    DONGCHANGFU,
    GULOU_GCJ,
    GULOU_WGS,
    all_rows,
    feature,
    line,
    metres,
    scalar,
    write_geojson,
)

UID = "6f1c1d5e-8d0b-4d4e-9a51-3f1f1b7a0c11"


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


CSV = f"""经度,纬度,category,grade,visibility,description,uid
{GULOU_GCJ[0]},{GULOU_GCJ[1]},XL01,较大,显性,古楼街道急弯,{UID}
{GULOU_GCJ[0]},{GULOU_GCJ[1]},ZZ99,一般,,,
{BEIJING[0]},{BEIJING[1]},SS01,一般,,,
{GULOU_GCJ[0] + 0.01},{GULOU_GCJ[1]},急弯,major,,,
{GULOU_GCJ[0]},{GULOU_GCJ[1]},SS01,,,,
,,SS01,一般,,,
{GULOU_GCJ[0]},{GULOU_GCJ[1]},SS01,一般,看不见,,
{GULOU_GCJ[0]},{GULOU_GCJ[1]},SS01,一般,,,not-a-uuid
"""


async def test_gcj02_csv(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    # A Chinese Excel saves CSV as GBK: detected without --encoding.
    path = write_csv(tmp_path / "排查.csv", CSV, encoding="gbk")
    report = await import_hazards(iso_engine, path, HazardImportOptions(crs=Crs.gcj02))
    assert report.loaded == 2
    assert report.refused == [
        Refusal(2, "unknown category 'ZZ99'"),
        Refusal(3, "outside the city"),
        Refusal(5, "missing grade"),
        Refusal(6, "empty geometry"),
        Refusal(7, "unknown visibility '看不见'"),
        Refusal(8, "uid 'not-a-uuid' is not a UUID"),
    ]
    got = await all_rows(
        iso_engine,
        """SELECT kind, category_code, visibility, grade, source, status, description, county_code,
                  township_code, ledger_no, created_by, ST_X(geom), ST_Y(geom), uid::text
             FROM hazards ORDER BY id""",
    )
    first, second = got
    assert first[:11] == (
        "point", "XL01", "explicit", "significant", "inspection", "reported", "古楼街道急弯", "371502",
        "371502001", first[9], "import:排查.csv",
    )  # fmt: skip
    assert first[9].startswith("371502-") and first[9].endswith("-0001")
    assert second[9].endswith("-0002")
    assert first[13] == UID
    # Converted from GCJ-02: within a metre of the seat's WGS84 position.
    assert metres((first[11], first[12]), GULOU_WGS) < 1.0
    # 急弯 by its Chinese name; no visibility given → the category's usual one.
    assert second[1:4] == ("XL01", "explicit", "major")
    events = await all_rows(iso_engine, "SELECT action, actor FROM hazard_events ORDER BY id")
    assert events == [("import", "import:排查.csv"), ("import", "import:排查.csv")]


async def test_reimporting_refuses_rows_already_in(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "h.csv", f"lon,lat,category,grade,uid\n{DONGCHANGFU[0]},{DONGCHANGFU[1]},SS02,一般,{UID}\n"
    )
    assert (await import_hazards(iso_engine, path, HazardImportOptions())).loaded == 1
    again = await import_hazards(iso_engine, path, HazardImportOptions())
    ledger_no = await scalar(iso_engine, "SELECT ledger_no FROM hazards")
    assert (again.loaded, again.refused) == (
        0,
        [Refusal(1, f"already in the ledger as {ledger_no} (same uid)")],
    )


async def test_geojson_segments_and_vocabulary(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    seg = line(DONGCHANGFU, 0.01)
    path = write_geojson(
        tmp_path / "segments.geojson",
        [
            feature(
                {"type": "LineString", "coordinates": seg},
                category="HJ01 穿村过镇",
                grade="重大",
                visibility="implicit",
                source="事故分析",
                status="整改中",
                address="G309 K520+000",
            ),
            feature(
                {"type": "MultiLineString", "coordinates": [seg[:2], seg[1:]]}, category="LM01", grade="一般"
            ),
            feature(
                {
                    "type": "MultiLineString",
                    "coordinates": [
                        line(DONGCHANGFU, 0.01),
                        line((DONGCHANGFU[0] + 0.05, DONGCHANGFU[1]), 0.01),
                    ],
                },
                category="LM01",
                grade="一般",
            ),
            feature(
                {
                    "type": "Polygon",
                    "coordinates": [[[115.9, 36.4], [115.95, 36.4], [115.95, 36.45], [115.9, 36.4]]],
                },
                category="LM01",
                grade="一般",
            ),
            feature(
                {"type": "Point", "coordinates": list(DONGCHANGFU)},
                category="LM01",
                grade="一般",
                status="已消失",
            ),
        ],
    )
    report = await import_hazards(iso_engine, path, HazardImportOptions())
    assert report.loaded == 2
    assert report.refused == [
        Refusal(3, "wrong geometry type MultiLineString (expected a point or one connected line)"),
        Refusal(4, "wrong geometry type Polygon (expected a point or one connected line)"),
        Refusal(5, "unknown status '已消失'"),
    ]
    got = await all_rows(
        iso_engine,
        "SELECT kind, category_code, grade, visibility, source, status, address, ST_NPoints(geom) "
        "FROM hazards ORDER BY id",
    )
    assert got == [
        ("segment", "HJ01", "major", "implicit", "crash_analysis", "rectifying", "G309 K520+000", 3),
        ("segment", "LM01", "general", "explicit", "inspection", "reported", None, 3),
    ]


async def test_a_point_on_the_border_outside_every_county(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    """Inside the city tolerance but beyond the trigger's 500 m: refused, not an aborted import."""
    async with iso_engine.begin() as conn:
        # Shrink 冠县 to a box round its seat: 贾镇, 15 km east, is then in no county but in the city.
        await conn.execute(
            text(
                "UPDATE jurisdictions"
                " SET geom = ST_Multi(ST_MakeEnvelope(115.40, 36.47, 115.44, 36.51, 4326))"
                " WHERE code = '371525'"
            )
        )
    x, y = lonlat_from_wgs84(115.60, 36.50, Crs.gcj02)
    path = write_csv(
        tmp_path / "edge.csv",
        f"lon,lat,category,grade\n{x},{y},SS01,一般\n{GULOU_GCJ[0]},{GULOU_GCJ[1]},SS01,一般\n",
    )
    report = await import_hazards(iso_engine, path, HazardImportOptions(crs=Crs.gcj02))
    assert (report.loaded, report.refused) == (1, [Refusal(1, "outside every county")])


async def test_a_missing_column_changes_nothing(iso_engine: AsyncEngine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", f"lon,lat,类别,grade\n{DONGCHANGFU[0]},{DONGCHANGFU[1]},SS01,一般\n")
    with pytest.raises(BadFile, match="no field 'category'"):
        await import_hazards(iso_engine, path, HazardImportOptions())
    path = write_csv(tmp_path / "xy.csv", "east,north,category,grade\n116,36.5,SS01,一般\n")
    with pytest.raises(BadFile, match="no coordinate column"):
        await import_hazards(iso_engine, path, HazardImportOptions())
    path = write_geojson(
        tmp_path / "named.geojson",
        [
            feature(
                {"type": "Point", "coordinates": list(DONGCHANGFU)},
                category="SS01",
                grade="一般",
                visibility="显性",
            )
        ],
    )
    with pytest.raises(BadFile, match="no field 'vis'") as exc:
        await import_hazards(iso_engine, path, HazardImportOptions(visibility_field="vis"))
    assert exc.value.errors[0].field == "visibility-field"
    assert await scalar(iso_engine, "SELECT count(*) FROM hazards") == 0

"""Importing crash records: CSV (Chinese headers), XLSX, GeoJSON; located, snapped, or refused."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import prcoords
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.coords import Crs
from app.crashes.importer import import_crashes
from app.geodata.reading import BadFile
from app.roads import linear
from tests.support.roads import FixtureRoad

Roads = dict[str, FixtureRoad]
M_PER_DEG_LAT = 110_950.0  # near 36° N
HEADER = [
    "事故编号", "事故时间", "经度", "纬度", "道路编号", "桩号", "死亡人数", "受伤人数", "处理程序",
    "事故形态", "姓名", "车牌号",
]  # fmt: skip


async def _point(engine: AsyncEngine, code: str, chainage: float) -> tuple[float, float]:
    async with engine.connect() as db:
        p = await linear.point_at_chainage(db, code, chainage)
    return p.lon, p.lat


async def _crashes(engine: AsyncEngine) -> dict[str | None, dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.source_ref, r.code AS road, round(c.chainage_m::numeric, 1)::float AS chainage,"
                " round(c.snap_distance_m::numeric, 1)::float AS distance, c.deaths, c.injuries,"
                " c.procedure, c.crash_type, c.source_file, c.occurred_at"
                " FROM crashes c LEFT JOIN roads r ON r.id = c.road_id ORDER BY c.id"
            )
        )
        return {r.source_ref: dict(r._mapping) for r in rows}


async def test_csv_with_chinese_headers(engine: AsyncEngine, roads: Roads, tmp_path: Path) -> None:
    lon, lat = await _point(engine, "X901", 12_500)
    rows: list[list[Any]] = [
        [
            "A01",
            "2025-03-05 14:20",
            "",
            "",
            "X901",
            "K12+000",
            "0",
            "1",
            "一般程序",
            "追尾",
            "张三",
            "鲁P12345",
        ],
        ["A02", "2025/3/6 8:00", lon, lat + 10 / M_PER_DEG_LAT, "", "", "0", "0", "简易", "刮擦", "", ""],
        ["A03", "2025-03-07 09:00", "115.765", "36.34", "", "", "", "", "simple", "", "", ""],
        ["A04", "2025-03-08 09:00", "", "", "X901", "K30+000", "0", "0", "一般", "", "", ""],
        ["A05", "2025-03-08 09:00", "", "", "X999", "K1+000", "0", "0", "一般", "", "", ""],
        ["A06", "next tuesday", "", "", "X901", "K12+000", "0", "0", "一般", "", "", ""],
        ["A07", "2025-03-08 09:00", "120.1", "30.2", "", "", "0", "0", "一般", "", "", ""],
        ["A08", "2025-03-08 09:00", "", "", "X901", "K12+100", "0", "0", "", "", "", ""],
        ["A09", "2025-03-08 09:00", "", "", "X901", "K12+200", "1", "0", "", "碾压", "", ""],
        ["A01", "2025-03-09 09:00", "", "", "X901", "K12+300", "0", "0", "一般", "", "", ""],
        ["A11", "2025-03-09 09:00", "", "", "X901", "K12+300-K12+400", "0", "0", "一般", "", "", ""],
        ["A12", "2025-03-09 09:00", "", "", "", "X901 K13+000", "0", "2", "一般", "", "", ""],
        ["A13", "2025-03-09 09:00", "115.765", "36.34", "X901", "K13+500", "0", "0", "一般", "", "", ""],
        ["A14", "2025-03-09 09:00", "", "", "", "", "0", "0", "一般", "", "", ""],
        ["A15", "2025-03-09 09:00", "", "", "X901", "K12+000", "-1", "0", "一般", "", "", ""],
        ["A16", "1985-03-09 09:00", "", "", "X901", "K12+000", "0", "0", "一般", "", "", ""],
    ]
    path = tmp_path / "crashes.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)

    report = await import_crashes(engine, path)

    assert [(r.row, r.reason) for r in report.refused] == [
        (4, "K30+000 is beyond road X901"),
        (5, "no road X999 in the network"),
        (6, "unreadable time 'next tuesday' (expected e.g. 2024-03-05 14:20)"),
        (7, "outside the city"),
        (8, "missing procedure (simple/简易 or ordinary/一般)"),
        (10, "ref A01 is already on row 1"),
        (11, "chainage 'K12+300-K12+400' is a range; a crash happens at one chainage"),
        (14, "no location: neither lon/lat nor road + chainage"),
        (15, "deaths '-1' is not a whole number of people"),
        (16, "time 1985-03-09 09:00 is before 1990: check the time column"),
    ]
    assert (report.loaded, report.on_road, report.off_road) == (6, 5, 1)
    # Personal data is never read, and the report says which columns were left out.
    assert report.ignored_columns == ["姓名", "车牌号"]

    stored = await _crashes(engine)
    assert set(stored) == {"A01", "A02", "A03", "A09", "A12", "A13"}
    # 10 m off the road, in metres along the great circle (see tests/roads/test_linear.py: BOW_M).
    assert stored["A02"]["distance"] == pytest.approx(10, abs=0.5)
    stored["A02"]["distance"] = 10.0
    assert {k: (v["road"], v["chainage"], v["distance"]) for k, v in stored.items()} == {
        "A01": ("X901", 12_000.0, 0.0),
        "A02": ("X901", 12_500.0, 10.0),  # snapped
        "A03": (None, None, None),  # 555 m from the nearest road: kept, off the network
        "A09": ("X901", 12_200.0, 0.0),
        "A12": ("X901", 13_000.0, 0.0),  # the road code written in the 桩号
        "A13": ("X901", 13_500.0, 0.0),  # road + chainage win over lon/lat
    }
    a01 = stored["A01"]
    assert (a01["deaths"], a01["injuries"], a01["procedure"], a01["crash_type"]) == (0, 1, "ordinary", "追尾")
    assert a01["source_file"] == "crashes.csv"
    assert a01["occurred_at"] == datetime.fromisoformat("2025-03-05T14:20:00+08:00")
    assert stored["A09"]["procedure"] == "ordinary"  # a death: always the ordinary procedure
    assert stored["A03"]["procedure"] == "simple"

    # The same file again: every case number is already in.
    again = await import_crashes(engine, path)
    assert again.loaded == 0
    assert [r.reason for r in again.refused][:2] == [
        "already imported (ref A01)",
        "already imported (ref A02)",
    ]


async def test_xlsx_with_excel_times(engine: AsyncEngine, roads: Roads, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["time", "road", "chainage", "deaths", "injuries", "procedure", "type", "ref", "phone"])
    sheet.append(
        [datetime(2025, 4, 1, 7, 30), "x901", "ZK11+500", 2, 1, "ordinary", "侧面碰撞", "B1", "13800000000"]
    )
    sheet.append([datetime(2025, 4, 2, 7, 30), "X902", 500, 0, 0, "simple", None, "B2", None])
    sheet.append([45678.5, "X901", "K11+600", 0, 0, "simple", None, "B3", None])  # a date kept as a number
    path = tmp_path / "crashes.xlsx"
    book.save(path)

    report = await import_crashes(engine, path)

    assert [(r.row, r.reason) for r in report.refused] == [
        (2, "“500”只是一个数（公里还是米？）：请写作 K12+300 或 12KM+300M"),
        (3, "time 45678.5 is a number, not a date and time"),
    ]
    assert report.loaded == 1 and report.ignored_columns == ["phone"]
    b1 = (await _crashes(engine))["B1"]
    assert (b1["road"], b1["chainage"], b1["deaths"], b1["injuries"]) == ("X901", 11_500.0, 2, 1)
    assert b1["occurred_at"] == datetime.fromisoformat("2025-04-01T07:30:00+08:00")


async def test_geojson_from_a_phone_in_gcj02(engine: AsyncEngine, roads: Roads, tmp_path: Path) -> None:
    lon, lat = await _point(engine, "X901", 14_000)
    gcj_lat, gcj_lon = prcoords.wgs_gcj((lat, lon), False)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [gcj_lon, gcj_lat]},
                "properties": {
                    "occurred_at": "2025-05-05T10:00:00+08:00",
                    "procedure": "simple",
                    "ref": "C1",
                },
            }
        ],
    }
    path = tmp_path / "phone.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")

    report = await import_crashes(engine, path, Crs.gcj02)

    assert (report.loaded, report.on_road, report.refused) == (1, 1, [])
    c1 = (await _crashes(engine))["C1"]
    # GCJ-02 is some 500 m off near Liaocheng; converted, the crash lands back on K14+000.
    assert c1["road"] == "X901" and c1["distance"] < 0.5
    assert c1["chainage"] == pytest.approx(14_000, abs=1.0)


async def test_a_file_that_cannot_be_used_is_refused_whole(engine: AsyncEngine, tmp_path: Path) -> None:
    no_time = tmp_path / "no_time.csv"
    no_time.write_text("lon,lat\n115.9,36.4\n", encoding="utf-8")
    with pytest.raises(BadFile, match="no time column"):
        await import_crashes(engine, no_time)
    no_place = tmp_path / "no_place.csv"
    no_place.write_text("time,deaths\n2025-01-01,1\n", encoding="utf-8")
    with pytest.raises(BadFile, match="no location"):
        await import_crashes(engine, no_place)
    notes = tmp_path / "notes.txt"
    notes.write_text("K12+000", encoding="utf-8")
    with pytest.raises(BadFile, match=r"unsupported file type \.txt"):
        await import_crashes(engine, notes)

"""The mapping, road + 桩号 (points and segments), GCJ-02, refusals with their reasons, the modes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.geodata import BEIJING, GULOU_GCJ, GULOU_WGS, all_rows, metres, scalar
from tests.support.imports import run_import, write_csv

MAPPING = {
    "经度": "lon",
    "纬度": "lat",
    "隐患类别": "category",
    "隐患等级": "grade",
    "桩号": "chainage",
    "道路编号": "road_code",
    "状态": "status",
    "上报时间": "reported_at",
    "销号时间": "closed_at",
}
HEADER = list(MAPPING)


def ledger_rows() -> list[dict[str, object]]:
    def row(**values: object) -> dict[str, object]:
        return {h: values.get(h, "") for h in HEADER}

    return [
        row(经度=GULOU_GCJ[0], 纬度=GULOU_GCJ[1], 隐患类别="XL01", 隐患等级="较大"),  # 1 GCJ-02 pin
        row(隐患类别="SS01", 隐患等级="一般", 桩号="K517+500", 道路编号="G9309"),  # 2 a point on the road
        row(隐患类别="急弯", 隐患等级="重大", 桩号="G9309 K516+600-K517+200"),  # 3 a segment
        row(经度=GULOU_GCJ[0], 纬度=GULOU_GCJ[1], 隐患类别="ZZ99", 隐患等级="一般"),  # 4
        row(隐患类别="SS01", 隐患等级="一般", 桩号="K520+000", 道路编号="G9309"),  # 5 beyond the road
        row(经度=BEIJING[0], 纬度=BEIJING[1], 隐患类别="SS01", 隐患等级="一般"),  # 6
        row(经度=GULOU_GCJ[0], 纬度=GULOU_GCJ[1], 隐患类别="SS01"),  # 7 no grade
        row(  # 8 a closed hazard from the old spreadsheet ledger
            隐患类别="SS01",
            隐患等级="一般",
            桩号="K518+000",
            道路编号="G9309",
            状态="已销号",
            上报时间="2025-05-01",
            销号时间="2025-06-01 10:30",
        ),
        row(  # 9 closed before it was reported
            隐患类别="SS01",
            隐患等级="一般",
            桩号="K518+000",
            道路编号="G9309",
            状态="已销号",
            上报时间="2025-05-01",
            销号时间="2025-04-01",
        ),
        row(隐患类别="SS01", 隐患等级="一般", 桩号="K517+000", 道路编号="X999"),  # 10 no such road
        row(隐患类别="SS01", 隐患等级="一般", 桩号="K5a", 道路编号="G9309"),  # 11 unreadable 桩号
    ]


REFUSED = [
    {"row": 4, "field": "隐患类别", "reason": "unknown category 'ZZ99'"},
    {"row": 5, "field": "桩号", "reason": "K520+000 is beyond road G9309 (K516+000-K519+000)"},
    {"row": 6, "field": "geometry", "reason": "outside the city"},
    {"row": 7, "field": "隐患等级", "reason": "missing grade"},
    {"row": 9, "field": "销号时间", "reason": "2025-04-01 is before the report date 2025-05-01"},
    {"row": 10, "field": "桩号", "reason": "no road X999 in the network"},
]


def _without_parse_message(refused: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in refused if r["row"] != 11]


async def test_valid_rows_writes_exactly_the_valid_ones(
    client: httpx.AsyncClient, engine: AsyncEngine, import_roads: dict[str, int], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "台账.csv", ledger_rows(), encoding="gbk")
    job = await run_import(client, path, mapping=MAPPING, crs="gcj02", mode="valid-rows")
    assert job["status"] == "succeeded", job
    assert (job["progress"], job["error"]) == (1, None)
    assert job["counts"] == {"read": 11, "valid": 4, "refused": 7, "written": 4}
    assert job["options"]["mapping"] == MAPPING and job["options"]["crs"] == "gcj02"

    report = (await client.get(f"/api/v1/imports/{job['id']}/report")).json()
    assert _without_parse_message(report["refused"]) == REFUSED
    unreadable = report["refused"][-1]
    assert (unreadable["row"], unreadable["field"]) == (11, "桩号")
    assert unreadable["reason"].startswith("“K5a”中的桩号部分“K5A”无法识别")

    got = await all_rows(
        engine,
        """SELECT kind, category_code, grade, status, road_id, chainage_m, end_chainage_m,
                  round(ST_Length(geom::geography)), ST_X(ST_StartPoint(geom)), ST_X(ST_PointOnSurface(geom)),
                  ST_Y(ST_PointOnSurface(geom)),
                  to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                  to_char(closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), ledger_no
             FROM hazards ORDER BY id""",
    )
    road = import_roads["G9309"]
    pin, point, segment, closed = got
    assert pin[:4] == ("point", "XL01", "significant", "reported")
    assert metres((pin[9], pin[10]), GULOU_WGS) < 1.0  # converted from GCJ-02
    assert point[:7] == ("point", "SS01", "general", "reported", road, 517500, None)
    assert point[9] == pytest.approx(115.97, abs=1e-6) and point[10] == pytest.approx(36.46, abs=1e-9)
    assert segment[:7] == ("segment", "XL01", "major", "reported", road, 516600, 517200)
    # Cut from the road: 600 m of its 3000 posted metres, a fifth of its drawn length.
    drawn = await scalar(engine, "SELECT ST_Length(geom::geography) FROM roads WHERE code = 'G9309'")
    assert segment[7] == pytest.approx(drawn / 5, abs=1)
    assert segment[8] == pytest.approx(115.95 + 0.04 * 600 / 3000, abs=1e-6)
    assert closed[3:7] == ("closed", road, 518000, None)
    assert closed[11:] == ("2025-05-01", "2025-06-01 10:30", closed[13])
    assert closed[13].endswith("-2025-0001")  # numbered in the year it was reported
    events = await all_rows(engine, "SELECT action, actor FROM hazard_events ORDER BY id")
    assert [tuple(e) for e in events] == [("import", f"import:{job['id']}:测试管理员（t-admin）")] * 4


async def test_report_as_csv_with_bom(
    client: httpx.AsyncClient, engine: AsyncEngine, import_roads: dict[str, int], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "台账.csv", ledger_rows())
    job = await run_import(client, path, mapping=MAPPING, crs="gcj02", mode="valid-rows", dry_run=True)
    r = await client.get(f"/api/v1/imports/{job['id']}/report", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0] == ["行号 row", "字段 field", "原因 reason"]
    assert [[int(a), b, c] for a, b, c in lines[1:7]] == [
        [r["row"], r["field"], r["reason"]] for r in REFUSED
    ]
    assert len(lines) == 8


async def test_dry_run_writes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, import_roads: dict[str, int], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "台账.csv", ledger_rows())
    job = await run_import(client, path, mapping=MAPPING, crs="gcj02", mode="valid-rows", dry_run=True)
    assert job["status"] == "succeeded"
    assert job["counts"] == {"read": 11, "valid": 4, "refused": 7, "written": 0}
    assert await scalar(engine, "SELECT count(*) FROM hazards") == 0
    assert await scalar(engine, "SELECT count(*) FROM hazard_events") == 0


async def test_all_or_nothing_leaves_the_ledger_unchanged(
    client: httpx.AsyncClient, engine: AsyncEngine, import_roads: dict[str, int], tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "good.csv", ledger_rows()[:3])
    first = await run_import(client, good, mapping=MAPPING, crs="gcj02")
    assert first["status"] == "succeeded" and first["counts"]["written"] == 3
    before = await all_rows(engine, "SELECT id, version, ledger_no FROM hazards ORDER BY id")
    events_before = await scalar(engine, "SELECT count(*) FROM hazard_events")
    counters_before = await all_rows(engine, "SELECT * FROM ledger_counters ORDER BY 1, 2")

    job = await run_import(
        client, write_csv(tmp_path / "all.csv", ledger_rows()), mapping=MAPPING, crs="gcj02"
    )
    assert job["status"] == "failed"
    assert job["error"] == "7 of 11 rows refused: nothing was written (mode all-or-nothing); see the report"
    assert job["counts"] == {"read": 11, "valid": 4, "refused": 7, "written": 0}
    assert job["progress"] == 1
    assert await all_rows(engine, "SELECT id, version, ledger_no FROM hazards ORDER BY id") == before
    assert await scalar(engine, "SELECT count(*) FROM hazard_events") == events_before == 3
    assert await all_rows(engine, "SELECT * FROM ledger_counters ORDER BY 1, 2") == counters_before


async def test_a_second_import_of_the_same_uids_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, import_roads: dict[str, int], tmp_path: Path
) -> None:
    uid = "6f1c1d5e-8d0b-4d4e-9a51-3f1f1b7a0c11"
    rows = [
        {"lon": 115.98, "lat": 36.45, "category": "SS01", "grade": "一般", "uid": uid},
        {"lon": 115.98, "lat": 36.45, "category": "SS01", "grade": "一般", "uid": uid},
    ]
    job = await run_import(client, write_csv(tmp_path / "a.csv", rows), mode="valid-rows")
    assert job["counts"] == {"read": 2, "valid": 1, "refused": 1, "written": 1}
    again = await run_import(client, write_csv(tmp_path / "b.csv", rows[:1]), mode="valid-rows")
    report = (await client.get(f"/api/v1/imports/{again['id']}/report")).json()
    ledger_no = await scalar(engine, "SELECT ledger_no FROM hazards")
    assert report["refused"] == [
        {"row": 1, "field": "uid", "reason": f"already in the ledger as {ledger_no} (same uid)"}
    ]
    first_report = (await client.get(f"/api/v1/imports/{job['id']}/report")).json()
    assert first_report["refused"] == [{"row": 2, "field": "uid", "reason": "duplicate uid (also row 1)"}]


async def test_place_and_direction_words_in_the_chainage(
    client: httpx.AsyncClient, engine: AsyncEngine, import_roads: dict[str, int], tmp_path: Path
) -> None:
    """桩号 as a notice writes it: road name, 处, 上行/下行 or a heading read by the road's course."""
    rows = [
        {"category": "SS01", "grade": "一般", "chainage": chainage}
        for chainage in (
            "G9309测试国道K517+500处",  # 1 no direction
            "G9309线K517+500(下行)",  # 2
            "G9309 K517+500 西向东",  # 3 G9309 runs east: 上行
            "G9309线K516+600-K517+200 由东向西",  # 4 下行
            "G9309 K517+500 北向南",  # 5 across the road: refused
            "G9309 K517+500 上行上行",  # 6 two directions: refused
        )
    ]
    job = await run_import(client, write_csv(tmp_path / "notice.csv", rows), mode="valid-rows")
    assert job["counts"] == {"read": 6, "valid": 4, "refused": 2, "written": 4}, job
    report = (await client.get(f"/api/v1/imports/{job['id']}/report")).json()
    assert [(r["row"], r["field"]) for r in report["refused"]] == [(5, "chainage"), (6, "chainage")]
    assert "方向“北向南”与道路 G9309 在 K517+500 处的走向不符" in report["refused"][0]["reason"]
    assert "写了不止一个方向" in report["refused"][1]["reason"]
    got = await all_rows(
        engine, "SELECT kind, chainage_m, end_chainage_m, direction FROM hazards ORDER BY id"
    )
    assert got == [
        ("point", 517_500, None, None),
        ("point", 517_500, None, 1),
        ("point", 517_500, None, 2),
        ("segment", 516_600, 517_200, 1),
    ]


async def test_segments_drawn_as_lines_snap_when_both_ends_do(
    client: httpx.AsyncClient, engine: AsyncEngine, import_roads: dict[str, int], tmp_path: Path
) -> None:
    def segment(coords: list[list[float]], **props: object) -> dict[str, object]:
        return {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "LineString", "coordinates": coords},
        }

    path = tmp_path / "路段.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    # Along G9309, 11 m north of it: a fifth to a half of its length.
                    segment([[115.958, 36.4601], [115.97, 36.4601]], category="XL01", grade="一般"),
                    # One end on the road, the other 1 km away: no road.
                    segment([[115.96, 36.46], [115.96, 36.47]], category="XL01", grade="一般"),
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    job = await run_import(client, path)
    assert job["counts"] == {"read": 2, "valid": 2, "refused": 0, "written": 2}, job
    got = await all_rows(engine, "SELECT kind, road_id, chainage_m, end_chainage_m FROM hazards ORDER BY id")
    assert [tuple(r) for r in got] == [
        ("segment", import_roads["G9309"], 516600.0, 517500.0),
        ("segment", None, None, None),
    ]


async def test_ledger_numbers_grow_past_9999(
    client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    # The serial was cut to four digits: the 10,000th number of a county and year was "1000" again.
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO ledger_counters (county_code, year, last_value) VALUES ('371502', 2025, 9999)")
        )
    rows = [
        {"lon": 115.98, "lat": 36.45, "category": "SS01", "grade": "一般", "reported_at": "2025-03-01"}
    ] * 2
    job = await run_import(client, write_csv(tmp_path / "a.csv", rows))
    assert job["counts"]["written"] == 2, job
    got = await all_rows(engine, "SELECT ledger_no FROM hazards ORDER BY id")
    assert [r[0] for r in got] == ["371502-2025-10000", "371502-2025-10001"]


async def test_county_township_and_number_as_the_trigger_gives_them(
    client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    # 60 pins spread over the city (some on county borders): the import's set-wise county, township
    # and ledger number must be what hazards_assign gives the same pins one by one.
    pins = await all_rows(
        engine,
        """SELECT ST_X(p.geom), ST_Y(p.geom)
             FROM jurisdictions c, ST_Dump(ST_GeneratePoints(c.geom, 60, 7)) AS p
            WHERE c.code = '371500'""",
    )
    rows = [{"lon": x, "lat": y, "category": "SS01", "grade": "一般"} for x, y in pins]
    job = await run_import(client, write_csv(tmp_path / "a.csv", rows), mode="valid-rows")
    imported = await all_rows(
        engine, "SELECT ST_AsText(geom), county_code, township_code, ledger_no FROM hazards ORDER BY id"
    )
    assert len(imported) == job["counts"]["written"] >= 55
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE hazard_events, hazards, ledger_counters RESTART IDENTITY CASCADE"))
        for wkt, *_ in imported:
            await conn.execute(
                text(
                    """INSERT INTO hazards (kind, category_code, visibility, grade, source, status, geom)
                       VALUES ('point', 'SS01', 'explicit', 'general', 'inspection', 'reported',
                               ST_GeomFromText(:wkt, 4326))"""
                ),
                {"wkt": wkt},
            )
    by_trigger = await all_rows(
        engine, "SELECT ST_AsText(geom), county_code, township_code, ledger_no FROM hazards ORDER BY id"
    )
    assert [tuple(r) for r in imported] == [tuple(r) for r in by_trigger]

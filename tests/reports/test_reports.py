"""GET /api/v1/reports: the figures against counts made here from the fixture, and the XLSX and PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.reports.service import parse_period
from app.settings import PROJECT_ROOT, get_settings

COUNTY, OTHER = "371502", "371521"
AT = {COUNTY: (116.10, 36.40), OTHER: (115.88, 36.12)}
SHOTS = PROJECT_ROOT / "var" / "screenshots"


@dataclass(frozen=True)
class H:
    county: str
    reported: date
    status: str = "reported"
    closed: date | None = None
    deadline: date | None = None
    grade: str = "general"
    category: str = "XL01"
    listed: date | None = None


Q2, Q1 = date(2026, 5, 10), date(2026, 2, 10)
HAZARDS = [
    # 2026Q2 in 东昌府区: 5 found (and a duplicate), 3 of them closed by the end of June, 2 on time
    H(COUNTY, Q2, "closed", date(2026, 5, 20), date(2026, 5, 30)),
    H(COUNTY, Q2, "closed", date(2026, 6, 25), date(2026, 6, 1), grade="major", category="SS01"),
    H(COUNTY, Q2, "closed", date(2026, 6, 2), date(2026, 6, 2)),
    H(COUNTY, Q2, "claimed", None, date(2026, 6, 10), listed=date(2026, 5, 15)),  # overdue at the end
    H(COUNTY, Q2, "rejected"),
    H(COUNTY, Q2, "duplicate"),
    # closed in Q2, found in Q1 (closed in Q2 counts, rectified-of-found does not)
    H(COUNTY, Q1, "closed", date(2026, 4, 3), date(2026, 3, 30)),
    # Q1: 2 found in 东昌府区 (one just above), 1 closed in Q1
    H(COUNTY, Q1, "closed", date(2026, 3, 1), date(2026, 3, 20)),
    # 阳谷县: 1 found in Q2, still open, before its deadline but never claimed: overdue (claim rule)
    H(OTHER, Q2, "reported", None, date(2026, 12, 31)),
    # closed after the quarter: found in Q2, not rectified by its end
    H(OTHER, Q2, "closed", date(2026, 7, 5), date(2026, 7, 10)),
]
# (county, day, deaths): Q2 2026 against Q2 2025
CRASHES = [
    (COUNTY, date(2026, 4, 2), 1),
    (COUNTY, date(2026, 5, 2), 0),
    (COUNTY, date(2025, 4, 9), 2),
    (COUNTY, date(2025, 5, 9), 1),
    (COUNTY, date(2025, 6, 9), 0),
    (OTHER, date(2026, 6, 1), 2),
    (OTHER, date(2025, 6, 1), 1),
]


@pytest.fixture
async def report_data(engine: AsyncEngine) -> AsyncIterator[None]:
    async with engine.begin() as conn:
        for i, h in enumerate(HAZARDS):
            lon, lat = AT[h.county]
            await conn.execute(
                text(
                    "INSERT INTO hazards (kind, category_code, visibility, grade, source, description,"
                    " status, reported_at, closed_at, deadline, geom, created_by, supervision_level,"
                    " supervised_since)"
                    " VALUES ('point', :category, 'explicit', :grade, 'inspection', '报告测试', :status,"
                    " CAST(:reported AS date) + time '10:00' AT TIME ZONE 'Asia/Shanghai',"
                    " CAST(:closed AS date) + time '10:00' AT TIME ZONE 'Asia/Shanghai', :deadline,"
                    " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'tests', :level,"
                    " CAST(:listed AS date) + time '10:00' AT TIME ZONE 'Asia/Shanghai')"
                ),
                {
                    "category": h.category,
                    "grade": h.grade,
                    "status": h.status,
                    "reported": h.reported,
                    "closed": h.closed,
                    "deadline": h.deadline,
                    "lon": lon + 0.001 * i,
                    "lat": lat,
                    "level": "county" if h.listed else None,
                    "listed": h.listed,
                },
            )
        for county, day, deaths in CRASHES:
            lon, lat = AT[county]
            await conn.execute(
                text(
                    "INSERT INTO crashes (occurred_at, geom, deaths, injuries, procedure) VALUES"
                    " (CAST(:day AS date) + time '08:00' AT TIME ZONE 'Asia/Shanghai',"
                    " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :deaths, 0, 'ordinary')"
                ),
                {"day": day, "lon": lon, "lat": lat, "deaths": deaths},
            )
    yield
    async with engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE hazard_events, hazards, ledger_counters, crashes RESTART IDENTITY CASCADE")
        )


def expected(county: str | None, start: date, end: date) -> dict[str, object]:
    """The figures counted here from the fixture, by the report's rules."""
    mine = [h for h in HAZARDS if county is None or h.county == county]
    found = [h for h in mine if start <= h.reported < end and h.status != "duplicate"]
    rejected = sum(h.status == "rejected" for h in found)
    rectified = sum(h.status == "closed" and h.closed is not None and h.closed < end for h in found)
    closed = [h for h in mine if h.status == "closed" and h.closed and start <= h.closed < end]
    timed = [h for h in closed if h.deadline]
    on_time = sum(h.closed <= h.deadline for h in timed if h.closed and h.deadline)
    last = date.fromordinal(end.toordinal() - 1)
    claim_days = get_settings().claim_within_days  # 超期 also when not claimed this long after the report
    overdue = sum(
        h.reported < end
        and h.status not in ("rejected", "duplicate")
        and (h.closed is None or h.closed >= end)
        and (
            (h.deadline is not None and h.deadline < last)
            or (h.status == "reported" and claim_days > 0 and h.reported + timedelta(days=claim_days) < last)
        )
        for h in mine
    )
    return {
        "found": len(found),
        "closed": len(closed),
        "rectified": rectified,
        "rectification_rate": round(rectified / (len(found) - rejected), 4)
        if len(found) > rejected
        else None,
        "on_time_rate": round(on_time / len(timed), 4) if timed else None,
        "overdue": overdue,
        "supervised": sum(h.listed is not None and start <= h.listed < end for h in mine),
        "delisted": 0,
    }


def crashes(county: str | None, year: int) -> dict[str, int]:
    mine = [
        c
        for c in CRASHES
        if (county is None or c[0] == county) and c[1].year == year and 4 <= c[1].month <= 6
    ]
    return {"crashes": len(mine), "deaths": sum(c[2] for c in mine)}


def test_periods() -> None:
    assert [(p.code, p.start, p.end) for p in parse_period("2026Q3")] == [
        ("2026Q3", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026Q2", date(2026, 4, 1), date(2026, 7, 1)),
        ("2025Q3", date(2025, 7, 1), date(2025, 10, 1)),
    ]
    assert [p.code for p in parse_period("2026Q1")] == ["2026Q1", "2025Q4", "2025Q1"]
    assert [p.code for p in parse_period("2026H2")] == ["2026H2", "2026H1", "2025H2"]
    assert [p.code for p in parse_period("2026H1")] == ["2026H1", "2025H2", "2025H1"]
    assert [(p.code, p.end) for p in parse_period("2026")] == [
        ("2026", date(2027, 1, 1)),
        ("2025", date(2026, 1, 1)),
        ("2025", date(2026, 1, 1)),
    ]


async def test_city_report_figures(client: httpx.AsyncClient, report_data: None) -> None:
    response = await client.get("/api/v1/reports", params={"period": "2026Q2"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"]["label"] == "2026年第二季度" and body["previous_period"]["code"] == "2026Q1"
    units = {u["code"]: u for u in body["units"]}
    q2, q1 = (date(2026, 4, 1), date(2026, 7, 1)), (date(2026, 1, 1), date(2026, 4, 1))
    for code, county in (("371500", None), (COUNTY, COUNTY), (OTHER, OTHER), ("371522", "371522")):
        assert units[code]["current"] == expected(county, *q2), code
        assert units[code]["previous"] == expected(county, *q1), code
        now, ago = crashes(county, 2026), crashes(county, 2025)
        assert units[code]["crashes"]["current"] == now and units[code]["crashes"]["year_earlier"] == ago
    dc = units[COUNTY]
    # By hand: 5 found (the duplicate is not), 3 of 4 accepted rectified, 2 of 4 close-outs on time.
    assert (dc["current"]["found"], dc["current"]["rectification_rate"], dc["current"]["on_time_rate"]) == (
        5,
        0.75,
        0.5,
    )
    assert dc["change"]["found"] == {"change": 5 - 2, "change_pct": 150.0}
    # 双下降 in 东昌府区: 2 crashes, 1 death against 3 and 3; not in 阳谷县 (deaths rose).
    assert dc["crashes"]["change"] == {
        "crashes": {"change": -1, "change_pct": -33.3},
        "deaths": {"change": -2, "change_pct": -66.7},
    }
    assert dc["crashes"]["double_decline"] is True
    assert units[OTHER]["crashes"]["double_decline"] is False
    assert dc["by_grade"]["major"]["current"]["found"] == 1
    assert dc["by_road_group"]["none"]["current"]["found"] == 5
    assert [c["code"] for c in dc["by_category"]] == ["SS01", "XL01"]


async def test_county_report_xlsx_and_pdf(client: httpx.AsyncClient, report_data: None) -> None:
    response = await client.get("/api/v1/reports", params={"period": "2026Q2", "jurisdiction": COUNTY})
    assert [u["code"] for u in response.json()["units"]] == [COUNTY]

    xlsx = await client.get(
        "/api/v1/reports", params={"period": "2026Q2", "jurisdiction": COUNTY, "format": "xlsx"}
    )
    assert xlsx.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["汇总", "事故双下降", "按道路", "按类别", "按等级"]
    summary = list(wb["汇总"].iter_rows(min_row=4, values_only=True))
    assert summary == [("东昌府区", 5, 2, "+3", 4, 1, "75.0%", "50.0%", "50.0%", 1, 1, 0)]
    crash = list(wb["事故双下降"].iter_rows(min_row=4, values_only=True))
    assert crash == [("东昌府区", 2, 3, "-1", "-33.3%", 1, 3, "-2", "-66.7%", "是")]

    pdf = await client.get(
        "/api/v1/reports", params={"period": "2026Q2", "jurisdiction": COUNTY, "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "report-371502-2026Q2.pdf"
    path.write_bytes(pdf.content)
    words = _text(path)
    assert "东昌府区道路交通安全隐患排查整治2026年第二季度报告" in words
    assert "东昌府区 5 2 +3 4 1 75.0% 50.0% 50.0% 1 1 0" in " ".join(words.split())
    assert "东昌府区 2 3 -1 -33.3% 1 3 -2 -66.7% 是" in " ".join(words.split())
    _png(path, SHOTS / "report-371502-2026Q2")


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _png(path: Path, prefix: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(path), str(prefix)], check=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2026Q5"}, "period"),
        ({"period": "2026H3"}, "period"),
        ({"period": "last year"}, "period"),
        ({"period": "2026", "jurisdiction": "999999"}, "jurisdiction"),
        ({"period": "2026", "format": "doc"}, "format"),
    ],
)
async def test_bad_input(client: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    response = await client.get("/api/v1/reports", params=params)
    assert response.status_code == 422
    assert field in response.text


async def test_agencies_get_no_report(clients: dict[str, httpx.AsyncClient]) -> None:
    # Crash records are internal: the report is for the internal roles.
    assert (await clients["agency"].get("/api/v1/reports", params={"period": "2026"})).status_code == 403
    assert (await clients["viewer"].get("/api/v1/reports", params={"period": "2026"})).status_code == 200

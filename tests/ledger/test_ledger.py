"""GET /api/v1/ledger: the JSON, and the CSV and XLSX opened back and compared cell by cell."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.ledger.service import HEADERS
from tests.support.hazards import BOJIQIAO, GULOU, create, point
from tests.support.workflow import step

EXPECTED_HEADERS = [
    "序号", "隐患编号", "所属县(市、区)", "乡镇(街道)", "道路编号", "桩号", "路段位置", "方向", "隐患类别",
    "隐患描述(主要隐患)", "显性/隐性", "等级", "发现时间", "来源", "认领人", "认领人职务", "认领单位",
    "认领时间", "临时管控措施", "整改措施", "整改时限", "状态", "整改完成时间", "销号时间", "核验人",
    "是否挂牌督办", "挂牌督办级别",
]  # fmt: skip


@pytest.fixture
async def ledger_rows(
    client: httpx.AsyncClient, engine: AsyncEngine, api_roads: dict[str, int]
) -> list[list[Any]]:
    """Two hazards in 东昌府区 (one closed and listed, one just reported) and one in 阳谷县.

    Returns the 东昌府区 ledger as it must be, row by row.
    """
    done = await create(
        client,
        "hazards",
        point(
            (115.97, 36.46),
            grade="major",
            direction=2,
            reported_at="2026-03-01T08:15:00+08:00",
            description="路口视距不良，缺少减速设施",
            address="闫寺路口东50米",
        ),
    )
    claim = {
        "name": "张三",
        "post": "副区长",
        "unit": "东昌府区人民政府",
        "signed_at": "2026-03-03T10:00:00+08:00",
    }
    await step(client, done["id"], {"action": "claim", **claim})
    start = {"measures": "增设减速带", "interim_measures": "限速40", "deadline": "2026-03-20"}
    await step(client, done["id"], {"action": "start", **start})
    await step(client, done["id"], {"action": "rectify", "evidence": "已完成"}, "admin")
    await step(client, done["id"], {"action": "close", "verifier": "李四", "verification": "合格"}, "admin2")
    await step(client, done["id"], {"action": "reopen", "reason": "复发", "deadline": "2026-04-10"}, "admin2")
    await step(client, done["id"], {"action": "rectify", "evidence": "再次完成"}, "admin")
    await step(client, done["id"], {"action": "close", "verifier": "李四", "verification": "合格"}, "admin2")
    fresh = await create(
        client, "hazards", point(GULOU, source="public_report", reported_at="2026-03-05T14:00:00+08:00")
    )
    await step(
        client, fresh["id"], {"action": "list", "level": "county", "reason": "群众反映强烈"}, "commander"
    )
    await create(client, "hazards", point(BOJIQIAO))
    async with engine.connect() as conn:
        times = (
            await conn.execute(
                text(
                    "SELECT to_char(rectified_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),"
                    " to_char(closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')"
                    " FROM hazards WHERE id = :id"
                ),
                {"id": done["id"]},
            )
        ).one()
    return [
        [
            1,
            done["properties"]["ledger_no"],
            "东昌府区",
            "古楼街道办事处",
            "G9309",
            "K517+500",
            "闫寺路口东50米",
            "上行(桩号递增)",
            "平交路口缺“三必上”",
            "路口视距不良，缺少减速设施",
            "显性",
            "重大",
            "2026-03-01 08:15",
            "排查发现",
            "张三",
            "副区长",
            "东昌府区人民政府",
            "2026-03-03 10:00",
            "限速40",
            "增设减速带",
            "2026-04-10",
            "已销号",
            times[0],
            times[1],
            "李四",
            "否",
            None,
        ],
        [
            2,
            fresh["properties"]["ledger_no"],
            "东昌府区",
            "古楼街道办事处",
            "S242",
            "K34+355",
            None,
            None,
            "平交路口缺“三必上”",
            None,
            "显性",
            "一般",
            "2026-03-05 14:00",
            "群众举报",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "已上报",
            None,
            None,
            None,
            "是",
            "县级挂牌",
        ],
    ]


def _cells(rows: list[list[Any]]) -> list[list[str]]:
    """What a CSV cell holds: text, '' for nothing."""
    return [["" if v is None else str(v) for v in r] for r in rows]


async def test_headers_are_the_ledger_s() -> None:
    assert HEADERS == EXPECTED_HEADERS


async def test_json(client: httpx.AsyncClient, ledger_rows: list[list[Any]]) -> None:
    r = await client.get("/api/v1/ledger", params={"jurisdiction": "371502"})
    assert r.status_code == 200
    body = r.json()
    assert body["jurisdiction"] == {"code": "371502", "name": "东昌府区"}
    assert [c["title"] for c in body["columns"]] == EXPECTED_HEADERS
    keys = [c["key"] for c in body["columns"]]
    assert [[row[k] for k in keys] for row in body["rows"]] == ledger_rows


async def test_csv_opens_back_cell_by_cell(client: httpx.AsyncClient, ledger_rows: list[list[Any]]) -> None:
    r = await client.get("/api/v1/ledger", params={"jurisdiction": "371502", "format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="ledger-371502.csv"')
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert table == [EXPECTED_HEADERS, *_cells(ledger_rows)]


async def test_xlsx_opens_back_cell_by_cell(client: httpx.AsyncClient, ledger_rows: list[list[Any]]) -> None:
    r = await client.get("/api/v1/ledger", params={"jurisdiction": "371502", "format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws.title == "隐患台账"
    table = [list(row) for row in ws.iter_rows(values_only=True)]
    assert table == [EXPECTED_HEADERS, *ledger_rows]


async def test_jurisdictions(client: httpx.AsyncClient, ledger_rows: list[list[Any]]) -> None:
    city = (await client.get("/api/v1/ledger")).json()
    assert city["jurisdiction"]["code"] == "371500"
    assert [r["county"] for r in city["rows"]] == ["东昌府区", "东昌府区", "阳谷县"]
    assert [r["no"] for r in city["rows"]] == [1, 2, 3]
    township = (await client.get("/api/v1/ledger", params={"jurisdiction": "371502001"})).json()
    assert [r["ledger_no"] for r in township["rows"]] == [ledger_rows[0][1], ledger_rows[1][1]]
    yanggu = (await client.get("/api/v1/ledger", params={"jurisdiction": "371521"})).json()
    assert [r["county"] for r in yanggu["rows"]] == ["阳谷县"]


async def test_the_list_s_county_and_township_filters_narrow_the_ledger(
    client: httpx.AsyncClient, ledger_rows: list[list[Any]]
) -> None:
    """The list's county and township filters are bound apart from the ledger's own jurisdiction."""
    city = await client.get("/api/v1/ledger", params={"county": "371521"})
    assert city.status_code == 200
    assert [r["county"] for r in city.json()["rows"]] == ["阳谷县"]
    mine = await client.get("/api/v1/ledger", params={"jurisdiction": "371502", "township": "371502001"})
    assert mine.status_code == 200
    assert [r["ledger_no"] for r in mine.json()["rows"]] == [ledger_rows[0][1], ledger_rows[1][1]]
    none = await client.get("/api/v1/ledger", params={"jurisdiction": "371502", "county": "371521"})
    assert none.status_code == 200
    assert none.json()["rows"] == []


async def test_unknown_jurisdiction_and_format(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/ledger", params={"jurisdiction": "999999"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "jurisdiction", "message": "unknown jurisdiction code 999999"}]
    r = await client.get("/api/v1/ledger", params={"format": "pdf"})
    assert r.status_code == 422


async def test_the_page_in_english_speaks_english(
    client: httpx.AsyncClient, ledger_rows: list[list[Any]]
) -> None:
    """The printable ledger with ?lang=en: statuses, grades, categories and the supervision in English;
    the API and the files stay the Chinese 台账."""
    page = (await client.get("/ledger/371502", params={"lang": "en"})).text
    for english in ("closed", "reported", "major", "at-grade crossing lacks posts", "field inspection"):
        assert english in page, english
    for chinese in ("已销号", "已上报", "重大", "排查发现"):
        assert chinese not in page, chinese
    rows = (await client.get("/api/v1/ledger", params={"jurisdiction": "371502"})).json()["rows"]
    assert {r["status"] for r in rows} == {"已销号", "已上报"}

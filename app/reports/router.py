"""GET /api/v1/reports: the quarterly, half-yearly and yearly report as JSON, XLSX or PDF."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from app.deps import Session
from app.openapi import KNOWN_CODES, rule
from app.reports import formats, service

router = APIRouter(tags=["reports (报告)"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reports", summary="Periodic report: a quarter, a half-year or a year, compared")
async def get_report(
    session: Session,
    period: Annotated[
        str,
        Query(
            max_length=8,
            pattern=r"^[0-9]{4}([Qq][1-4]|[Hh][12])?$",
            description="2026 (year), 2026Q3 (quarter) or 2026H2 (half-year)",
            json_schema_extra=rule("The year lies between 2000 and 2100."),
        ),
    ],
    jurisdiction: Annotated[
        str | None,
        Query(
            max_length=16,
            description="The city (default: every county and the city) or a county",
            json_schema_extra=KNOWN_CODES,
        ),
    ] = None,
    format: Annotated[Literal["json", "xlsx", "pdf"], Query(description="json, xlsx or pdf")] = "json",
) -> Response:
    """Per county and for the city: found, closed, 整改率 and 按期整改率, overdue, listed (挂牌督办) and
    delisted (摘牌), by road group, category and grade, against the previous period; crashes and
    deaths against the same period a year earlier, with the change in numbers and percent (双下降).
    A duplicate is never counted as found."""
    report = await service.report(session, jurisdiction, period)
    if format == "json":
        return Response(
            json.dumps(report.body, ensure_ascii=False, default=str), media_type="application/json"
        )
    name = f"隐患排查整治报告-{report.code}-{report.period}.{format}"
    headers = {
        "Content-Disposition": f'attachment; filename="report-{report.code}-{report.period}.{format}"; '
        + f"filename*=UTF-8''{quote(name)}"
    }
    if format == "xlsx":
        return Response(formats.xlsx(report.body), media_type=XLSX, headers=headers)
    body = await asyncio.to_thread(formats.pdf, report.body)
    return Response(body, media_type="application/pdf", headers=headers)

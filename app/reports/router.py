"""GET /api/v1/reports: the quarterly, half-yearly and yearly report as JSON, XLSX or PDF."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from app.accounts.dependencies import current_principal
from app.accounts.permissions import Principal
from app.deps import Session
from app.openapi import KNOWN_CODES, problems, rule
from app.paths import API_PREFIX
from app.reports import formats, jobs, service
from app.workjobs.schemas import WorkJobOut
from app.workjobs.service import TOO_MANY_RESPONSE

router = APIRouter(tags=["reports (报告)"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


Period = Annotated[
    str,
    Query(
        max_length=8,
        pattern=r"^[0-9]{4}([Qq][1-4]|[Hh][12])?$",
        description="2026 (year), 2026Q3 (quarter) or 2026H2 (half-year)",
        json_schema_extra=rule("The year lies between 2000 and 2100."),
    ),
]
Jurisdiction = Annotated[
    str | None,
    Query(
        max_length=16,
        description="The city (default: every county and the city) or a county",
        json_schema_extra=KNOWN_CODES,
    ),
]


@router.get("/reports", summary="Periodic report: a quarter, a half-year or a year, compared")
async def get_report(
    session: Session,
    period: Period,
    jurisdiction: Jurisdiction = None,
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


@router.post(
    "/reports/jobs",
    status_code=202,
    summary="Write the periodic report (XLSX or PDF) in a background job; 202 with the job's Location",
    responses={**problems(422), **TOO_MANY_RESPONSE},
)
async def report_job(
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    response: Response,
    period: Period,
    jurisdiction: Jurisdiction = None,
    format: Annotated[Literal["xlsx", "pdf"], Query(description="xlsx (default) or pdf")] = "xlsx",
) -> WorkJobOut:
    """The same report as `GET /reports?format=xlsx|pdf`, written by a job worker: poll the job
    (`Location`, `/api/v1/jobs/{id}`) until it has succeeded, then fetch `links.result`."""
    job = await jobs.submit(session, principal, period=period, jurisdiction=jurisdiction, fmt=format)
    response.headers["Location"] = f"{API_PREFIX}/jobs/{job.id}"
    return WorkJobOut.of(job, f"{API_PREFIX}/jobs")

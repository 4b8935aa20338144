"""The periodic report as a queue job: asked for by POST /api/v1/reports/jobs, written by a worker,
kept in ``work_jobs`` for any web process to serve (``app.workjobs``)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.permissions import Principal
from app.jobs.queue import DOCUMENTS, queue
from app.jobs.stalled import on_given_up
from app.reports import formats, service
from app.workjobs import runner
from app.workjobs import service as workjobs
from app.workjobs.models import WorkJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"xlsx": XLSX, "pdf": "application/pdf"}


async def submit(
    session: AsyncSession, principal: Principal, *, period: str, jurisdiction: str | None, fmt: str
) -> WorkJob:
    """Check what is asked as the synchronous report would, then record and queue the job."""
    code, _, _ = await service.check(session, jurisdiction, period)
    params = {"period": period.strip().upper(), "format": fmt}
    return await workjobs.submit(
        session, principal, write_report, kind="report", params=params, jurisdiction=code
    )


async def _work(
    session: AsyncSession, params: dict[str, Any], code: str | None, progress: runner.Progress
) -> runner.Outcome:
    fmt = params["format"]
    await progress("counting", 0.05)
    report = await service.report(session, code, params["period"])
    await progress("writing", 0.5)
    body = await asyncio.to_thread(formats.pdf if fmt == "pdf" else formats.xlsx, report.body)
    await progress("storing", 0.95)
    return runner.Outcome(
        result=body,
        media_type=MEDIA[fmt],
        file_name=f"隐患排查整治报告-{report.code}-{report.period}.{fmt}",
    )


@queue.task(name="reports.write", queue=DOCUMENTS)
async def write_report(job_id: int) -> None:
    await runner.run(job_id, _work)


on_given_up(write_report)(runner.given_up)

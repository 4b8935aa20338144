"""The wall map (挂图) as a queue job: asked for by POST /api/v1/posters/{code}/jobs, drawn by a worker,
kept in ``work_jobs`` for any web process to serve (``app.workjobs``)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.permissions import Principal
from app.hazards.schemas import HazardFilter
from app.jobs.queue import DOCUMENTS, queue
from app.jobs.stalled import on_given_up
from app.posters import render, service
from app.workjobs import runner
from app.workjobs import service as workjobs
from app.workjobs.models import WorkJob

MEDIA = {"pdf": "application/pdf", "png": "image/png"}
_TIMES = ("updated_since", "reported_from", "reported_to")


def filter_json(f: HazardFilter) -> dict[str, Any]:
    """The list filter as JSON, for the job's row (``filter_of`` reads it back)."""
    out = dataclasses.asdict(f)
    for name in _TIMES:
        if out[name] is not None:
            out[name] = out[name].isoformat()
    return {k: v for k, v in out.items() if v is not None}


def filter_of(data: dict[str, Any]) -> HazardFilter:
    values = dict(data)
    for name in _TIMES:
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    if values.get("bbox") is not None:
        values["bbox"] = tuple(values["bbox"])
    return HazardFilter(**values)


def file_name(code: str, size: str, fmt: str) -> str:
    return f"隐患分布图-{code}-{size}.{fmt}"


async def submit(
    session: AsyncSession,
    principal: Principal,
    code: str,
    f: HazardFilter,
    *,
    fmt: str,
    size: str,
    orientation: str,
    dpi: int,
) -> WorkJob:
    """Check what is asked as the synchronous poster would, then record and queue the job."""
    if fmt == "png":
        service.check_sheet(size, orientation)
        service.check_dpi(size, orientation, dpi)
    await service.check(session, code, f, size, orientation)
    params: dict[str, Any] = {
        "format": fmt,
        "size": size,
        "orientation": orientation,
        "filters": filter_json(f),
    }
    if fmt == "png":
        params["dpi"] = dpi
    return await workjobs.submit(
        session, principal, render_poster, kind="poster", params=params, jurisdiction=code
    )


async def _work(
    session: AsyncSession, params: dict[str, Any], code: str | None, progress: runner.Progress
) -> runner.Outcome:
    assert code is not None
    fmt, size, orientation = params["format"], params["size"], params["orientation"]
    await progress("reading", 0.05)
    poster = await service.poster(session, code, filter_of(params.get("filters", {})), size, orientation)
    await progress("drawing", 0.3)
    # Drawing is CPU work: off the worker's event loop, so that its heartbeat goes on.
    if fmt == "png":
        body = await asyncio.to_thread(render.png, poster, int(params["dpi"]))
    else:
        body = await asyncio.to_thread(render.pdf, poster)
    await progress("storing", 0.95)
    return runner.Outcome(result=body, media_type=MEDIA[fmt], file_name=file_name(code, size, fmt))


@queue.task(name="posters.render", queue=DOCUMENTS)
async def render_poster(job_id: int) -> None:
    await runner.run(job_id, _work)


on_given_up(render_poster)(runner.given_up)

"""The accident-prone identification as a queue job: asked for by POST /api/v1/detections/jobs, run by
a worker; its candidates and the job's summary commit together (``app.workjobs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.permissions import Principal
from app.crashes import detection
from app.jobs.queue import DETECTION, queue
from app.jobs.stalled import on_given_up
from app.workjobs import runner
from app.workjobs import service as workjobs
from app.workjobs.models import WorkJob


def params_json(p: detection.DetectionParams) -> dict[str, Any]:
    """The run's parameters, times included, as the job's row keeps them."""
    return {"since": p.since.isoformat(), "until": p.until.isoformat(), **p.as_json()}


def params_of(data: dict[str, Any]) -> detection.DetectionParams:
    values = dict(data)
    values["since"] = datetime.fromisoformat(values["since"])
    values["until"] = datetime.fromisoformat(values["until"])
    return detection.detection_params(**values)


async def submit(session: AsyncSession, principal: Principal, p: detection.DetectionParams) -> WorkJob:
    """Record and queue a run of the identification with the checked parameters ``p``."""
    return await workjobs.submit(
        session, principal, detect, kind="detection", params=params_json(p), jurisdiction=None
    )


async def _work(
    session: AsyncSession, params: dict[str, Any], _: str | None, progress: runner.Progress
) -> runner.Outcome:
    p = params_of(params)
    summary = await detection.run_detection(session, p, progress)
    return runner.Outcome(summary=summary.as_dict() | {"params": p.as_json()})


# One run at a time: a run replaces every pending candidate.
@queue.task(name="crashes.detect", queue=DETECTION, lock="crashes.detect")
async def detect(job_id: int) -> None:
    await runner.run(job_id, _work)


on_given_up(detect)(runner.given_up)

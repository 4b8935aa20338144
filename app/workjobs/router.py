"""/api/v1/jobs/{id}: a poster's, report's or detection run's job — its state, then its result."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Response

from app.accounts.dependencies import current_principal
from app.accounts.permissions import Principal
from app.deps import Session
from app.openapi import media, problems
from app.paths import API_PREFIX
from app.workjobs import service
from app.workjobs.schemas import WorkJobOut

router = APIRouter(tags=["jobs (后台任务)"])
BASE = f"{API_PREFIX}/jobs"

JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The job's id (from the Location of its POST)")]
Caller = Annotated[Principal, Depends(current_principal)]


@router.get(
    "/jobs/{job_id}",
    summary="A job: status, stage, progress; its result's link when done",
    responses=problems(403, 404),
)
async def get_job(session: Session, principal: Caller, job_id: JobId) -> WorkJobOut:
    """Poll this until `status` is `succeeded` (then `links.result` is the file, or `summary` the
    detection run's findings) or `failed` (`error` says why); `progress` runs from 0 to 1.

    Permission: who asked for the job, and administrators; they must still hold the permission its
    kind needs (a poster: read; a report: read_internal; a detection run: detection_run).
    """
    return WorkJobOut.of(await service.readable(session, principal, job_id), BASE)


@router.get(
    "/jobs/{job_id}/result",
    summary="A finished job's file (PDF, PNG, XLSX)",
    response_class=Response,
    responses={
        **media(
            "application/pdf",
            "image/png",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            description="The file the job made.",
        ),
        **problems(403, 404, 409),
    },
)
async def get_result(session: Session, principal: Caller, job_id: JobId) -> Response:
    """The file, as the synchronous endpoint would have answered it; 409 until the job has succeeded.
    Kept for `HAZARDMAP_JOBS_RESULTS_KEEP_HOURS` after it was made.

    Permission: as the job's.
    """
    job = await service.result(session, principal, job_id)
    assert job.result is not None and job.media_type and job.file_name
    ascii_name = job.file_name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return Response(
        job.result,
        media_type=job.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(job.file_name)}",
            "Cache-Control": "private, no-store",
        },
    )

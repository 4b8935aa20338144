from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.workjobs.models import WorkJob


class WorkJobOut(BaseModel):
    id: int
    kind: str  # poster | report | detection
    status: str  # queued | running | succeeded | failed
    stage: str | None
    progress: float  # 0–1
    error: str | None
    params: dict[str, Any]
    jurisdiction: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    # When the result is deleted (set when the job ends).
    expires_at: datetime | None
    media_type: str | None
    file_name: str | None
    # A detection run's summary (what POST /api/v1/detections answers).
    summary: dict[str, Any] | None
    # self; result once the file is ready.
    links: dict[str, str]

    @classmethod
    def of(cls, job: WorkJob, base: str) -> WorkJobOut:
        links = {"self": f"{base}/{job.id}"}
        if job.status == "succeeded" and job.media_type:
            links["result"] = f"{base}/{job.id}/result"
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            stage=job.stage,
            progress=job.progress,
            error=job.error,
            params=job.params,
            jurisdiction=job.jurisdiction,
            created_by=job.created_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            expires_at=job.expires_at,
            media_type=job.media_type,
            file_name=job.file_name,
            summary=job.summary,
            links=links,
        )

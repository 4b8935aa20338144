from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.imports.models import ImportJob


class Counts(BaseModel):
    read: int
    valid: int
    refused: int
    written: int


class ImportJobOut(BaseModel):
    id: int
    kind: str
    file_name: str
    format: str
    options: dict[str, Any]
    status: str  # queued | running | succeeded | failed
    stage: str | None
    progress: float
    counts: Counts
    error: str | None
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: dict[str, str]

    @classmethod
    def of(cls, job: ImportJob, base: str) -> ImportJobOut:
        return cls(
            id=job.id,
            kind=job.kind,
            file_name=job.file_name,
            format=job.format,
            options=job.options,
            status=job.status,
            stage=job.stage,
            progress=job.progress,
            counts=Counts(
                read=job.rows_read, valid=job.rows_valid, refused=job.rows_refused, written=job.rows_written
            ),
            error=job.error,
            created_by=job.created_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            links={"self": f"{base}/{job.id}", "report": f"{base}/{job.id}/report"},
        )


class Refused(BaseModel):
    row: int  # 1-based: the Nth data row of a table, the Nth feature of a layer
    field: str | None
    reason: str


class ImportReportOut(BaseModel):
    id: int
    file_name: str
    status: str
    counts: Counts
    refused: list[Refused]

"""/api/v1/imports: bulk import of hazards and segments from a file, as a background job."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile

from app.accounts.dependencies import require
from app.accounts.permissions import Permission, Principal, Role
from app.deps import Session
from app.errors import Forbidden, NotFound, PayloadTooLarge
from app.http import FormBool
from app.imports import jobs
from app.imports import repository as repo
from app.imports.models import ImportJob
from app.imports.options import options_from_form
from app.imports.reading import SUFFIX, ImportFormat, count_rows, too_many_rows
from app.imports.schemas import Counts, ImportJobOut, ImportReportOut, Refused
from app.openapi import media, problems, rule
from app.paths import API_PREFIX
from app.settings import get_settings
from app.spreadsheets import csv_value

router = APIRouter(tags=["imports (批量导入)"])
BASE = f"{API_PREFIX}/imports"
CHUNK = 1_048_576


class ReportFormat(StrEnum):
    json = "json"
    csv = "csv"


async def _spool(upload: UploadFile, fmt: ImportFormat) -> Path:
    """Copy the upload to the import folder in chunks, refusing it past the size limit."""
    s = get_settings()
    s.import_dir.mkdir(parents=True, exist_ok=True)
    path = s.import_dir / f"{uuid.uuid4().hex}{SUFFIX[fmt]}"
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > s.import_max_bytes:
                    raise PayloadTooLarge(
                        detail=f"file: the file must be at most {s.import_max_bytes} bytes",
                    )
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _job_out(job: ImportJob) -> ImportJobOut:
    return ImportJobOut.of(job, BASE)


@router.post(
    "/imports",
    status_code=202,
    summary="Import hazards and segments from a file (a background job)",
    responses=problems(413, 422),
)
async def create_import(
    session: Session,
    principal: Annotated[Principal, Depends(require(Permission.hazard_import))],
    response: Response,
    file: Annotated[
        UploadFile,
        File(
            description="GeoJSON, GeoJSONSeq, GeoPackage, Shapefile (.zip), CSV or XLSX",
            json_schema_extra=rule("A file readable in its format, within the size and row limits."),
        ),
    ],
    format_: Annotated[
        str | None,
        Form(
            alias="format",
            json_schema_extra={
                "pattern": "^(" + "|".join(f.value for f in ImportFormat) + ")$",
                **rule("Without it, the file name's extension must tell the format."),
            },
            description="geojson, geojsonseq, gpkg, shapefile, csv, xlsx; default: from the file name",
        ),
    ] = None,
    crs: Annotated[
        str,
        Form(
            json_schema_extra={"pattern": "^(wgs84|cgcs2000|gcj02)$"},
            description="wgs84, cgcs2000 or gcj02 (AMap/Tencent phones)",
        ),
    ] = "wgs84",
    mapping: Annotated[
        str | None,
        Form(
            description="JSON: the file's column → our field, e.g. "
            '{"经度": "lon", "纬度": "lat", "桩号": "chainage"}',
            json_schema_extra=rule("A JSON object of column names to our fields."),
        ),
    ] = None,
    mode: Annotated[
        str,
        Form(
            json_schema_extra={"pattern": "^(all-or-nothing|valid-rows)$"},
            description="all-or-nothing (one refused row: nothing written) or valid-rows",
        ),
    ] = "all-or-nothing",
    dry_run: Annotated[FormBool, Form(description="check every row, write nothing")] = False,
) -> ImportJobOut:
    """Upload a file of hazard points and accident-prone segments; 202 with `Location` of the job.

    A row is located by lon/lat or geometry (in `crs`, stored as WGS84), or by road code + 桩号
    (`G309 K516+600`; a range `K516+600-K517+200` is a segment cut from the road). Points within the
    snapping distance of a road get its road and 桩号. Every row is checked; the refused ones are in
    the job's report with their row number, field and reason. The write is one transaction.

    Permission: the city office (administrator); an import may write rows in any county.
    """
    name = Path(file.filename or "upload").name
    options = options_from_form(name, format_, crs, mapping, mode, dry_run)
    path = await _spool(file, options.format)
    limit = get_settings().import_max_rows
    try:
        # Counted off the event loop and without holding the rows; an unreadable file (None) is
        # left to the job, which says what is wrong with it.
        rows = await asyncio.to_thread(count_rows, path, options.format, limit)
        if rows is not None and rows > limit:
            exact = options.format not in (ImportFormat.csv, ImportFormat.xlsx)
            raise too_many_rows(name, limit, rows if exact else None)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    job = await jobs.submit(
        session, actor=principal.actor, path=path, file_name=name, options=options, rows_expected=rows
    )
    response.headers["Location"] = f"{BASE}/{job.id}"
    return _job_out(job)


Reader = Annotated[Principal, Depends(require(Permission.read_internal))]


async def _job(session: Session, job_id: int, principal: Principal) -> ImportJob:
    job = await repo.get(session, job_id)
    if job is None:
        raise NotFound(detail=f"no import job {job_id}")
    # The report lists every refused row of someone else's file: the importer's and the
    # administrators' business only.
    if principal.role is not Role.admin and job.created_by != principal.actor:
        raise Forbidden(detail=f"import job {job_id}: only its importer and administrators may see it")
    return job


@router.get(
    "/imports/{job_id}", summary="An import job: status, progress, counts", responses=problems(403, 404)
)
async def get_import(session: Session, principal: Reader, job_id: int) -> ImportJobOut:
    """Poll this until `status` is `succeeded` or `failed`; `progress` runs from 0 to 1.

    Permission: the user who started the import, and administrators.
    """
    return _job_out(await _job(session, job_id, principal))


@router.get(
    "/imports/{job_id}/report",
    summary="The rows an import refused, with their reasons",
    response_model=ImportReportOut,
    responses={**media("application/json", "text/csv", description="The report."), **problems(403, 404, 422)},
)
async def get_import_report(
    session: Session,
    principal: Reader,
    job_id: int,
    format_: Annotated[
        ReportFormat, Query(alias="format", description="json, or csv (UTF-8 with BOM for Excel/WPS)")
    ] = ReportFormat.json,
) -> Response:
    """Row number (1-based, as the file counts its data rows or features), field and reason.

    Permission: the user who started the import, and administrators.
    """
    job = await _job(session, job_id, principal)
    if format_ is ReportFormat.csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(["行号 row", "字段 field", "原因 reason"])
        writer.writerows(
            [r["row"], csv_value(r.get("field") or ""), csv_value(r["reason"])] for r in job.report
        )
        stem = Path(job.file_name).stem
        return Response(
            content=("\ufeff" + buf.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="import-{job.id}-report.csv"; '
                f"filename*=UTF-8''import-{job.id}-{_quote(stem)}-report.csv"
            },
        )
    out = ImportReportOut(
        id=job.id,
        file_name=job.file_name,
        status=job.status,
        counts=Counts(
            read=job.rows_read, valid=job.rows_valid, refused=job.rows_refused, written=job.rows_written
        ),
        refused=[Refused(**r) for r in job.report],
    )
    return Response(content=out.model_dump_json(), media_type="application/json")


def _quote(s: str) -> str:
    from urllib.parse import quote

    return quote(s, safe="")

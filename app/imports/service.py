"""Bulk import of hazards and segments: one function for the API job and the CLI.

A file is read into rows (``reading``), each row checked on its own (``rows``), the rows COPYed
into a staging table and checked set-wise in SQL (placing by road + 桩号, snapping, the city and
county outlines), then the good ones inserted by one INSERT … SELECT in the same transaction, with
``hazardmap.action = 'import'`` so the history trigger records every row. Nothing is written when
the mode is all-or-nothing and a row was refused, nor on a dry run, nor when anything fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app import sqlfiles
from app.clock import BEIJING
from app.coords import Crs
from app.db import get_engine
from app.errors import HazardmapError, InvalidInput
from app.geodata.progress import NoProgress, ProgressSink
from app.geodata.staging import copy_rows
from app.imports import repository as repo
from app.imports.models import ImportJob
from app.imports.reading import Field, ImportFormat, read_batches
from app.imports.rows import COLUMNS, stage_records
from app.roads.chainage import ParsedChainage, chainage_sql
from app.roads.heading import direction_in_text
from app.roads.linear import END_TOLERANCE_M
from app.settings import get_settings

log = logging.getLogger(__name__)
PKG = "app.imports"
ACTOR_MAX = 64


class Mode(StrEnum):
    all_or_nothing = "all-or-nothing"  # one refused row and nothing is written
    valid_rows = "valid-rows"  # the valid rows are written, the refused ones reported


@dataclass(frozen=True)
class ImportOptions:
    format: ImportFormat
    crs: Crs = Crs.wgs84
    mapping: dict[str, str] = field(default_factory=dict)  # the file's column → our field
    mode: Mode = Mode.all_or_nothing
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "crs": self.crs.value,
            "mapping": dict(self.mapping),
            "mode": self.mode.value,
            "dry_run": self.dry_run,
        }


@dataclass
class ImportOutcome:
    file_name: str
    rows_read: int = 0
    rows_valid: int = 0
    rows_written: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)  # {"row", "field", "reason"}

    @property
    def rows_refused(self) -> int:
        return len(self.refused)

    @property
    def summary(self) -> str:
        return (
            f"read {self.rows_read}, valid {self.rows_valid}, refused {self.rows_refused}, "
            f"written {self.rows_written}"
        )


async def import_hazards(
    engine: AsyncEngine,
    path: Path,
    options: ImportOptions,
    *,
    actor: str,
    file_name: str | None = None,
    progress: ProgressSink | None = None,
    rows_expected: int | None = None,
) -> ImportOutcome:
    """Import ``path`` in one transaction; ``BadFile`` (nothing written) when the file is unusable,
    ``TooManyRows`` past ``HAZARDMAP_IMPORT_MAX_ROWS``. The file is read, checked and staged one
    batch at a time, so the memory an import takes does not grow with the file."""
    progress = progress or NoProgress()
    s = get_settings()
    name = file_name or path.name
    outcome = ImportOutcome(file_name=name)
    now = datetime.now(BEIJING)
    first_uid: dict[uuid.UUID, int] = {}
    batches = read_batches(
        path, options.format, options.crs, options.mapping, name, max_rows=s.import_max_rows
    )
    async with engine.begin() as conn:
        categories = await repo.load_categories(conn)
        await sqlfiles.run_script(conn, PKG, "stage")
        progress.stage(f"reading, checking and staging {name}", total=rows_expected)
        column_of: dict[Field, str] = {}
        with contextlib.closing(batches):
            while (rows := await asyncio.to_thread(next, batches, None)) is not None:
                records = await asyncio.to_thread(stage_records, rows, categories, now, first_uid)
                await copy_rows(conn, "import_rows", COLUMNS, records, NoProgress())
                outcome.rows_read += len(rows)
                column_of = rows.column_of
                progress.advance(len(rows))
                del rows, records
        progress.stage("placing on the road network, checking locations")
        await sqlfiles.run_script(
            conn,
            PKG,
            "check",
            {
                "tolerance": END_TOLERANCE_M,
                "city_code": s.city_code,
                "border_m": s.city_border_tolerance_m,
                "snap_m": s.snap_distance_m,
                "srid": s.metric_srid,
                "chainage_field": column_of.get(Field.chainage, Field.chainage.value),
            },
            chainage=chainage_sql("i.chainage_m", "i.end_chainage_m"),
            run=chainage_sql("r.start_chainage_m", "r.start_chainage_m + r.length_m"),
        )
        await _headings(conn, column_of.get(Field.chainage, Field.chainage.value))
        outcome.refused = await repo.refused_rows(conn)
        outcome.rows_valid = outcome.rows_read - outcome.rows_refused
        write = not options.dry_run and (options.mode is Mode.valid_rows or not outcome.refused)
        progress.stage("writing to the ledger", total=outcome.rows_valid if write else 0)
        if write and outcome.rows_valid:
            await sqlfiles.run_script(conn, PKG, "insert", {"actor": actor[:ACTOR_MAX]})
            outcome.rows_written = outcome.rows_valid
            progress.advance(outcome.rows_valid)
    return outcome


async def _headings(conn: AsyncConnection, chainage_field: str) -> None:
    """A compass heading in a row's 桩号 (北向南) becomes 上行 or 下行 by the road's course there."""
    for r in await repo.heading_rows(conn):
        parsed = ParsedChainage(r.road_code, r.chainage_m, r.end_chainage_m, heading=r.heading)
        values: dict[str, Any] = {"row_no": r.row_no, "direction": None, "field": None, "reason": None}
        try:
            values["direction"] = await direction_in_text(conn, parsed, r.road_code, chainage_field)
        except InvalidInput as exc:
            values |= {"field": chainage_field, "reason": exc.errors[0].message if exc.errors else str(exc)}
        await repo.set_heading(conn, values)


# -- the API's background job --------------------------------------------------------------------

# The stages import_hazards reports, in order.
STAGES = 3
_tasks: set[asyncio.Task[None]] = set()


class JobProgress:
    """A ProgressSink that keeps a fraction 0–1; the job writes it to its row every half second."""

    def __init__(self) -> None:
        self.index = 0
        self.description = "queued"
        self.total: int | None = None
        self.done = 0

    def stage(self, description: str, total: int | None = None) -> None:
        self.index += 1
        self.description, self.total, self.done = description, total, 0

    def advance(self, n: int = 1) -> None:
        self.done += n

    @property
    def fraction(self) -> float:
        within = min(1.0, self.done / self.total) if self.total else 0.0
        return max(0.0, min(0.99, (self.index - 1 + within) / STAGES))


async def submit(
    session: AsyncSession,
    *,
    actor: str,
    path: Path,
    file_name: str,
    options: ImportOptions,
    rows_expected: int | None = None,
) -> ImportJob:
    """Record the job; it starts once the request's transaction has committed the row."""
    job = await repo.create(
        session,
        kind="hazards",
        file_name=file_name,
        format=options.format.value,
        options=options.as_dict(),
        status="queued",
        created_by=actor,
    )
    job_id = job.id

    def start(_: Any) -> None:
        task = asyncio.get_running_loop().create_task(
            run_job(get_engine(), job_id, path, file_name, options, actor, rows_expected)
        )
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)

    event.listen(session.sync_session, "after_commit", start, once=True)
    # A rolled-back request leaves no job, so its upload goes too.
    event.listen(session.sync_session, "after_rollback", lambda _: path.unlink(missing_ok=True), once=True)
    return job


async def run_job(
    engine: AsyncEngine,
    job_id: int,
    path: Path,
    file_name: str,
    options: ImportOptions,
    actor: str,
    rows_expected: int | None = None,
) -> None:
    """Run the import and record how it ended; the upload is removed however it ends."""
    try:
        await _run_job(engine, job_id, path, file_name, options, actor, rows_expected)
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)


async def _run_job(
    engine: AsyncEngine,
    job_id: int,
    path: Path,
    file_name: str,
    options: ImportOptions,
    actor: str,
    rows_expected: int | None,
) -> None:
    progress = JobProgress()
    await repo.set_fields(engine, job_id, status="running", started_at=datetime.now(UTC), stage="reading")
    stop = asyncio.Event()
    reporter = asyncio.create_task(_report_progress(engine, job_id, progress, stop))
    try:
        outcome = await import_hazards(
            engine,
            path,
            options,
            actor=f"import:{job_id}:{actor}",
            file_name=file_name,
            progress=progress,
            rows_expected=rows_expected,
        )
    except HazardmapError as exc:
        await _finish(reporter, stop)
        await repo.set_fields(
            engine, job_id, status="failed", error=exc.detail, finished_at=datetime.now(UTC), progress=1.0
        )
        return
    except Exception:  # the job must end in a state a client can see, whatever went wrong
        log.exception("import job %s failed", job_id)
        await _finish(reporter, stop)
        await repo.set_fields(
            engine,
            job_id,
            status="failed",
            # The exception's text may be the database driver's: it goes to the log, not to the client.
            error="the import failed on the server and nothing was written; the administrators "
            "find the cause in the service's log",
            finished_at=datetime.now(UTC),
            progress=1.0,
        )
        return
    await _finish(reporter, stop)
    all_or_nothing_refused = options.mode is Mode.all_or_nothing and outcome.refused
    await repo.set_fields(
        engine,
        job_id,
        status="failed" if all_or_nothing_refused else "succeeded",
        error=(
            f"{outcome.rows_refused} of {outcome.rows_read} rows refused: nothing was written "
            "(mode all-or-nothing); see the report"
            if all_or_nothing_refused
            else None
        ),
        stage="done",
        progress=1.0,
        rows_read=outcome.rows_read,
        rows_valid=outcome.rows_valid,
        rows_refused=outcome.rows_refused,
        rows_written=outcome.rows_written,
        report=outcome.refused,
        finished_at=datetime.now(UTC),
    )


async def _finish(reporter: asyncio.Task[None], stop: asyncio.Event) -> None:
    stop.set()
    await reporter


async def _report_progress(
    engine: AsyncEngine, job_id: int, progress: JobProgress, stop: asyncio.Event
) -> None:
    last: tuple[float, str] | None = None
    while not stop.is_set():
        now = (round(progress.fraction, 3), progress.description)
        if now != last:
            await repo.set_fields(engine, job_id, progress=now[0], stage=now[1])
            last = now
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)

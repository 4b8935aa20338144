"""Imports as jobs of the queue: recorded and queued in the request's transaction, run by a worker.

The ``import_jobs`` row is what clients see (status, progress 0–1, counts, the refused rows); the
queue's job only carries its id. The import writes its rows in one transaction and records its end
in the same one, so a worker that dies mid-import leaves nothing written and the row ``running``;
the queue then runs the job again (the row shows it starting over) or, past its retries, fails it
(``on_given_up``). A job whose row already ended is not run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from procrastinate import jobs as queue_jobs
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.coords import Crs
from app.db import get_engine
from app.errors import HazardmapError
from app.imports import repository as repo
from app.imports.models import ImportJob
from app.imports.reading import ImportFormat
from app.imports.service import ImportOptions, ImportOutcome, Mode, import_hazards
from app.jobs import repository as queue_repo
from app.jobs.queue import IMPORTS, queue
from app.jobs.stalled import on_given_up
from app.settings import get_settings

log = logging.getLogger(__name__)

# The stages import_hazards reports, in order.
STAGES = 3
FINISHED = ("succeeded", "failed")


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


def options_of(job: ImportJob) -> ImportOptions:
    """The options the job was submitted with, as its row keeps them."""
    o = job.options
    return ImportOptions(
        format=ImportFormat(job.format),
        crs=Crs(o.get("crs", Crs.wgs84.value)),
        mapping=dict(o.get("mapping") or {}),
        mode=Mode(o.get("mode", Mode.all_or_nothing.value)),
        dry_run=bool(o.get("dry_run", False)),
    )


def upload_path(upload: str) -> Path:
    """The spooled file of a job: a name in the import folder, never a path from elsewhere."""
    if Path(upload).name != upload or upload in ("", ".", ".."):
        raise ValueError(f"not an upload's name: {upload!r}")
    return get_settings().import_dir / upload


async def submit(
    session: AsyncSession,
    *,
    actor: str,
    path: Path,
    file_name: str,
    options: ImportOptions,
    rows_expected: int | None = None,
) -> ImportJob:
    """Record the job and queue it, both in the request's transaction; ``path`` is in the import
    folder, which the workers share."""
    job = await repo.create(
        session,
        kind="hazards",
        file_name=file_name,
        format=options.format.value,
        options=options.as_dict(),
        status="queued",
        created_by=actor,
    )
    await queue_repo.defer(
        session, import_file, import_id=job.id, upload=path.name, actor=actor, rows_expected=rows_expected
    )
    # A rolled-back request leaves no job, so its upload goes too.
    event.listen(session.sync_session, "after_rollback", lambda _: path.unlink(missing_ok=True), once=True)
    return job


@queue.task(name="imports.hazards", queue=IMPORTS)
async def import_file(import_id: int, upload: str, actor: str, rows_expected: int | None = None) -> None:
    """The queue's task: run the import of ``import_jobs`` row ``import_id``."""
    engine = get_engine()
    path = upload_path(upload)
    async with AsyncSession(engine) as session:
        job = await repo.get(session, import_id)
    if job is None or job.status in FINISHED:
        # Its end was committed with its rows before the worker stopped: nothing is left to do.
        await asyncio.to_thread(path.unlink, missing_ok=True)
        return
    await run_job(engine, import_id, path, job.file_name, options_of(job), actor, rows_expected)


@on_given_up(import_file)
async def _worker_kept_dying(job: queue_jobs.Job) -> None:
    args: dict[str, Any] = job.task_kwargs
    await repo.fail_unfinished(
        get_engine(),
        int(args["import_id"]),
        f"the worker running this import stopped {job.attempts + 1} time(s) before it ended; "
        "nothing was written: submit the file again (a very large file may need a smaller one)",
    )
    with contextlib.suppress(ValueError):
        await asyncio.to_thread(upload_path(str(args.get("upload", ""))).unlink, missing_ok=True)


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
    # Also the start of a job run again after its worker stopped: it starts over from nothing.
    await repo.set_fields(
        engine, job_id, status="running", started_at=datetime.now(UTC), stage="reading", progress=0.0
    )
    stop = asyncio.Event()
    reporter = asyncio.create_task(_report_progress(engine, job_id, progress, stop))

    async def finish(conn: AsyncConnection, outcome: ImportOutcome) -> None:
        all_or_nothing_refused = options.mode is Mode.all_or_nothing and outcome.refused
        await repo.set_fields_in(
            conn,
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

    try:
        await import_hazards(
            engine,
            path,
            options,
            actor=f"import:{job_id}:{actor}",
            file_name=file_name,
            progress=progress,
            rows_expected=rows_expected,
            finish=finish,
        )
    except asyncio.CancelledError:
        # The worker stopped before the import ended (HAZARDMAP_JOBS_SHUTDOWN_S): the queue marks the
        # job aborted, so its row must say how it ended. The import's transaction rolled back.
        await _finish(reporter, stop)
        await repo.fail_unfinished(
            engine,
            job_id,
            "the worker was stopped while this import ran; nothing was written: submit the file again",
        )
        raise
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
            await repo.set_progress(engine, job_id, now[0], now[1])
            last = now
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)

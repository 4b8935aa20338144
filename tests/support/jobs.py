"""Job workers for the tests: one in the test's own event loop, or real `hazardmap worker` processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from unittest import mock

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.jobs.queue import connector, queue
from app.settings import PROJECT_ROOT

HAZARDMAP = Path(sys.executable).parent / "hazardmap"
# Fast heartbeats and checks, so that a killed worker's jobs are taken up within seconds.
FAST = {
    "HAZARDMAP_JOBS_HEARTBEAT_S": "0.5",
    "HAZARDMAP_JOBS_STALLED_S": "3",
    "HAZARDMAP_JOBS_STALLED_CHECK_S": "1",
}


@contextlib.asynccontextmanager
async def in_process_worker(url: str, concurrency: int = 2) -> AsyncIterator[asyncio.Task[None]]:
    """A procrastinate worker as a task of the running loop, over ``url`` (the app role's).

    It takes the jobs a test queues but schedules no periodic ones: a deadline scan or a digest
    falling due while the test runs (at :00 or :30 of the clock) would add notifications the test
    did not make. The tests of a periodic task run it themselves."""
    queue.perform_import_paths()  # every task registered now, not into the stand-in below
    no_periodic: contextlib.AbstractContextManager[object] = mock.patch.object(
        queue.periodic_registry, "periodic_tasks", {}
    )
    with no_periodic, queue.replace_connector(connector(url, max_size=concurrency + 3)):
        async with queue.open_async():
            task = asyncio.create_task(
                queue.run_worker_async(
                    concurrency=concurrency,
                    name=f"test-{os.getpid()}",
                    install_signal_handlers=False,
                    update_heartbeat_interval=1,
                    delete_jobs="never",
                )
            )
            try:
                yield task
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


@contextlib.contextmanager
def worker_process(
    database_url: str, name: str, *, concurrency: int = 1, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``hazardmap worker`` as a process of its own over ``database_url``; its log in ``var/``."""
    log_path = PROJECT_ROOT / "var" / f"{name}-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = {
        **os.environ,
        "HAZARDMAP_DATABASE_URL": database_url,
        "HAZARDMAP_ENVIRONMENT": "test",
        **FAST,
        **(env or {}),
    }
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [str(HAZARDMAP), "worker", "--concurrency", str(concurrency)],
            cwd=PROJECT_ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Ctrl-C as in a terminal, even when the tests themselves run with SIGINT ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def wait_until_idle(engine: AsyncEngine, limit_s: float = 120) -> None:
    """Wait until no job of the queue is waiting or running, and clear the queue's table: a test's
    jobs must not run on into the next test's rows (whose ids start again at 1)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while True:
        async with engine.connect() as conn:
            busy = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM procrastinate_jobs"
                        " WHERE status IN ('todo', 'doing') AND queue_name <> 'maintenance'"
                    )
                )
            ).scalar_one()
        if not busy:
            break
        assert loop.time() < deadline, f"{busy} job(s) still queued or running after {limit_s} s"
        await asyncio.sleep(0.05)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM procrastinate_jobs WHERE queue_name <> 'maintenance'"))

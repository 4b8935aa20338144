"""``hazardmap worker``: run the queue's jobs (imports and the scheduled ones)."""

from __future__ import annotations

import asyncio
import logging

import typer

from app.jobs import worker
from app.jobs.queue import QUEUES


def worker_command(
    concurrency: int = typer.Option(
        None,
        "--concurrency",
        "-c",
        min=1,
        max=64,
        help="jobs at once (default HAZARDMAP_JOBS_CONCURRENCY, 1)",
    ),
    queue: list[str] = typer.Option(
        None, "--queue", "-q", help=f"take only these queues ({', '.join(QUEUES)}); default: all"
    ),
    once: bool = typer.Option(False, "--once", help="stop when the queues are empty instead of waiting"),
) -> None:
    """Run background jobs until stopped (Ctrl-C/SIGTERM: finish the running jobs first, for at most
    HAZARDMAP_JOBS_SHUTDOWN_S if set)."""
    unknown = sorted(set(queue or []) - set(QUEUES))
    if unknown:
        raise typer.BadParameter(f"unknown queue(s) {', '.join(unknown)}; the queues are {', '.join(QUEUES)}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(worker.run(concurrency=concurrency, queues=queue or None, wait=not once))

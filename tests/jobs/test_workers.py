"""Jobs in real processes: web processes queue imports, `hazardmap worker` processes run them.

Any number of each side by side; a worker killed mid-import (SIGKILL) leaves the job to the queue,
which runs it again or fails it; no web process's start touches a job.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.cluster import APP_ROLE, Cluster
from tests.support.accounts import auth_headers
from tests.support.imports import write_gpkg
from tests.support.jobs import worker_process
from tests.support.service import live_service


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "lon": 115.90 + (i % 200) * 0.0005,
            "lat": 36.40 + (i // 200) * 0.0005,
            "category": "SS01",
            "grade": "一般",
        }
        for i in range(n)
    ]


@pytest.fixture
def app_url(cluster: Cluster, isolated_db: str) -> str:
    """The isolated database as the service's role sees it (not superuser, owns nothing)."""
    return cluster.url(str(make_url(isolated_db).database), APP_ROLE)


@pytest.fixture
def sql(cluster: Cluster, isolated_db: str) -> Callable[[str], str]:
    database = str(make_url(isolated_db).database)
    return lambda statement: cluster.psql(statement, database).strip()


def post(base: str, path: Path, **data: str) -> str:
    with path.open("rb") as f:
        r = httpx.post(
            f"{base}/api/v1/imports",
            files={"file": (path.name, f, "application/geopackage+sqlite3")},
            data={"mode": "valid-rows", **data},
            headers=auth_headers("admin"),
            timeout=60,
        )
    assert r.status_code == 202, r.text
    return str(r.headers["Location"])


def wait_for(
    base: str, location: str, done: Callable[[dict[str, Any]], bool], limit_s: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + limit_s
    while True:
        job: dict[str, Any] = httpx.get(f"{base}{location}", headers=auth_headers("admin"), timeout=10).json()
        if done(job):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def finished(job: dict[str, Any]) -> bool:
    return job["status"] in ("succeeded", "failed")


@pytest.fixture
def web(app_url: str) -> Iterator[Callable[[str], Any]]:
    """Start web processes on demand (each a real uvicorn); all stopped at the end."""
    stack: list[Any] = []

    def start(name: str) -> str:
        cm = live_service(app_url, name)
        stack.append(cm)
        return cm.__enter__()

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


@pytest.mark.slow
def test_two_web_processes_and_a_worker(
    app_url: str, sql: Callable[[str], str], web: Callable[[str], str], tmp_path: Path
) -> None:
    # A row some earlier process left running: no web process's start may touch it any more.
    left = sql(
        "INSERT INTO import_jobs (kind, file_name, format, options, status)"
        " VALUES ('hazards', 'left.csv', 'csv', '{}', 'running') RETURNING id"
    ).split()[0]
    first = web("jobs-a")
    to_first = post(first, write_gpkg(tmp_path / "a.gpkg", _rows(1500)))
    second = web("jobs-b")  # starts while the first's job waits in the queue
    to_second = post(second, write_gpkg(tmp_path / "b.gpkg", _rows(1500)[::-1][:700]))
    assert sql("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'") == "2"
    with worker_process(app_url, "jobs-two-web"):
        # Each job read through the other web process: the rows are the database's, not a process's.
        a = wait_for(second, to_first, finished)
        b = wait_for(first, to_second, finished)
    assert (a["status"], a["counts"]["written"]) == ("succeeded", 1500), a
    assert (b["status"], b["counts"]["written"]) == ("succeeded", 700), b
    assert sql("SELECT count(*) FROM hazard_events WHERE action = 'import'") == "2200"
    assert sql(f"SELECT status, error IS NULL FROM import_jobs WHERE id = {left}") == "running|t"
    assert sql(
        "SELECT string_agg(status::text, ',') FROM procrastinate_jobs WHERE task_name = 'imports.hazards'"
    ) == ("succeeded,succeeded")


@pytest.mark.slow
@pytest.mark.parametrize(("retries", "status"), [(1, "succeeded"), (0, "failed")])
def test_a_worker_killed_mid_import(
    app_url: str,
    sql: Callable[[str], str],
    web: Callable[[str], str],
    tmp_path: Path,
    retries: int,
    status: str,
) -> None:
    rows = 8_000
    env = {"HAZARDMAP_JOBS_STALLED_RETRIES": str(retries)}
    base = web(f"jobs-kill-{retries}")
    with worker_process(app_url, f"jobs-kill-{retries}-1", env=env) as doomed:
        location = post(base, write_gpkg(tmp_path / "many.gpkg", _rows(rows)))
        wait_for(base, location, lambda j: j["status"] == "running" and j["progress"] > 0, limit_s=60)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    # Nothing was written, the job is still the dead worker's, and a web process starting now
    # leaves it alone.
    web(f"jobs-kill-{retries}-late")
    job_id = location.rsplit("/", 1)[1]
    assert sql(f"SELECT status FROM import_jobs WHERE id = {job_id}") == "running"
    assert sql("SELECT status FROM procrastinate_jobs WHERE task_name = 'imports.hazards'") == "doing"
    # Another worker's stalled-job check takes it up.
    with worker_process(app_url, f"jobs-kill-{retries}-2", env=env):
        job = wait_for(base, location, finished)
    assert job["status"] == status, job
    written = rows if status == "succeeded" else 0
    assert job["counts"]["written"] == written
    assert sql("SELECT count(*) FROM hazards") == str(written)
    if status == "failed":
        assert job["error"] == (
            "the worker running this import stopped 1 time(s) before it ended; nothing was written: "
            "submit the file again (a very large file may need a smaller one)"
        )
    assert sql("SELECT status, attempts FROM procrastinate_jobs WHERE task_name = 'imports.hazards'") == (
        # procrastinate counts the runs that ended: the killed one retried, and the last.
        f"{status}|{retries + 1}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("shutdown_s", [0, 0.5])
def test_a_worker_stopped_with_ctrl_c(
    app_url: str, sql: Callable[[str], str], web: Callable[[str], str], tmp_path: Path, shutdown_s: float
) -> None:
    """Ctrl-C: the worker finishes its running job, then stops. With a shutdown limit shorter than the
    job, it aborts the job: the queue marks it aborted, and the import says it was stopped."""
    name = f"jobs-stop-{shutdown_s}"
    base = web(name)
    with worker_process(app_url, name, env={"HAZARDMAP_JOBS_SHUTDOWN_S": str(shutdown_s)}) as proc:
        location = post(base, write_gpkg(tmp_path / "many.gpkg", _rows(8000)))
        wait_for(base, location, lambda j: j["status"] == "running" and j["progress"] > 0, limit_s=60)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    job = wait_for(base, location, finished, limit_s=5)
    if not shutdown_s:
        assert (job["status"], job["counts"]["written"]) == ("succeeded", 8000), job
        assert sql("SELECT status FROM procrastinate_jobs WHERE task_name = 'imports.hazards'") == "succeeded"
        return
    assert (job["status"], job["counts"]["written"]) == ("failed", 0), job
    assert job["error"] == (
        "the worker was stopped while this import ran; nothing was written: submit the file again"
    )
    assert sql("SELECT count(*) FROM hazards") == "0"
    assert sql("SELECT status FROM procrastinate_jobs WHERE task_name = 'imports.hazards'") == "aborted"

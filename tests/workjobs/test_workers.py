"""Posters, reports and detection runs done by real `hazardmap worker` processes, asked for and
fetched through a real web process; a worker killed mid-poster leaves the job to the queue, which
runs it again on another worker."""

from __future__ import annotations

import io
import signal
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy.engine import make_url

from app.cluster import APP_ROLE, Cluster
from tests.support.accounts import auth_headers
from tests.support.jobs import worker_process
from tests.support.ledger import COUNTY
from tests.support.service import live_service


@pytest.fixture
def app_url(cluster: Cluster, isolated_db: str) -> str:
    """The isolated database as the service's role sees it (not superuser, owns nothing)."""
    return cluster.url(str(make_url(isolated_db).database), APP_ROLE)


@pytest.fixture
def sql(cluster: Cluster, isolated_db: str) -> Callable[[str], str]:
    database = str(make_url(isolated_db).database)
    return lambda statement: cluster.psql(statement, database).strip()


@pytest.fixture
def web(app_url: str) -> Iterator[str]:
    with live_service(app_url, "workjobs") as base:
        yield base


def ask(base: str, role: str, path: str, **kwargs: Any) -> str:
    r = httpx.post(f"{base}{path}", headers=auth_headers(role), timeout=30, **kwargs)
    assert r.status_code == 202, r.text
    return str(r.headers["Location"])


def wait_for(
    base: str, role: str, location: str, done: Callable[[dict[str, Any]], bool], limit_s: float = 400
) -> dict[str, Any]:
    deadline = time.monotonic() + limit_s
    while True:
        job: dict[str, Any] = httpx.get(f"{base}{location}", headers=auth_headers(role), timeout=10).json()
        if done(job):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def finished(job: dict[str, Any]) -> bool:
    return job["status"] in ("succeeded", "failed")


def fetch(base: str, role: str, job: dict[str, Any]) -> httpx.Response:
    r = httpx.get(f"{base}{job['links']['result']}", headers=auth_headers(role), timeout=30)
    assert r.status_code == 200, r.text
    return r


@pytest.mark.slow
def test_a_worker_makes_posters_reports_and_detection_runs(web: str, app_url: str) -> None:
    poster = ask(web, "viewer", f"/api/v1/posters/{COUNTY}/jobs", params={"size": "A3"})
    report = ask(web, "commander", "/api/v1/reports/jobs", params={"period": "2026Q3"})
    run = ask(web, "commander", "/api/v1/detections/jobs", json={"years": 3})
    seen: list[tuple[str, float]] = []
    with worker_process(app_url, "workjobs-all", concurrency=2):

        def watch(j: dict[str, Any]) -> bool:
            seen.append((j["status"], j["progress"]))
            return finished(j)

        job = wait_for(web, "viewer", poster, watch)
        assert job["status"] == "succeeded", job
        # Seen queued or running before it ended, the progress never going back.
        assert seen[0][0] in ("queued", "running") and [p for _, p in seen] == sorted(p for _, p in seen)
        r = fetch(web, "viewer", job)
        assert r.content.startswith(b"%PDF-") and r.headers["content-type"] == "application/pdf"
        assert r.headers["content-disposition"].endswith(
            f"filename*=UTF-8''%E9%9A%90%E6%82%A3%E5%88%86%E5%B8%83%E5%9B%BE-{COUNTY}-A3.pdf"
        )
        assert job["file_name"] == f"隐患分布图-{COUNTY}-A3.pdf" and job["progress"] == 1
        # Another user does not get it, even knowing its address.
        other = httpx.get(f"{web}{job['links']['result']}", headers=auth_headers("commander"), timeout=10)
        assert other.status_code == 403, other.text

        job = wait_for(web, "commander", report, finished)
        assert job["status"] == "succeeded", job
        book = zipfile.ZipFile(io.BytesIO(fetch(web, "commander", job).content))
        assert "xl/workbook.xml" in book.namelist()

        job = wait_for(web, "commander", run, finished)
        assert job["status"] == "succeeded", job
        assert "links" in job and "result" not in job["links"]
        assert job["summary"]["crashes_considered"] == 0 and job["summary"]["proposed"] == 0
        assert job["summary"]["params"]["min_fatal_crashes"] == 3


@pytest.mark.slow
def test_a_worker_killed_mid_poster(web: str, app_url: str, sql: Callable[[str], str]) -> None:
    # A large PNG: drawn for long enough to kill its worker while it draws.
    params = {"format": "png", "size": "A1", "dpi": 300}
    location = ask(web, "viewer", f"/api/v1/posters/{COUNTY}/jobs", params=params)
    with worker_process(app_url, "workjobs-doomed") as doomed:
        wait_for(web, "viewer", location, lambda j: j["stage"] == "drawing", limit_s=60)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    job_id = location.rsplit("/", 1)[1]
    assert sql(f"SELECT status, result IS NULL FROM work_jobs WHERE id = {job_id}") == "running|t"
    assert sql("SELECT status FROM procrastinate_jobs WHERE task_name = 'posters.render'") == "doing"
    # Another worker's stalled-job check runs it again.
    with worker_process(app_url, "workjobs-second"):
        job = wait_for(web, "viewer", location, finished, limit_s=180)
    assert job["status"] == "succeeded", job
    image = Image.open(io.BytesIO(fetch(web, "viewer", job).content))
    assert image.format == "PNG" and image.size[0] > image.size[1] > 6000
    assert sql("SELECT status, attempts FROM procrastinate_jobs WHERE task_name = 'posters.render'") == (
        "succeeded|2"
    )

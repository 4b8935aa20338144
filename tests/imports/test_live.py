"""The job in a real service process (uvicorn): it runs in the background while the client polls."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.support.accounts import auth_headers
from tests.support.imports import write_gpkg
from tests.support.service import live_service


def test_job_runs_in_the_service_and_abandoned_ones_fail_at_startup(isolated_db: str, tmp_path: Path) -> None:
    async def sql(statement: str) -> list[tuple[object, ...]]:
        eng = create_async_engine(isolated_db, poolclass=NullPool)
        try:
            async with eng.begin() as conn:
                result = await conn.execute(text(statement))
                return [tuple(r) for r in result.all()] if result.returns_rows else []
        finally:
            await eng.dispose()

    # A job a dead process left running.
    asyncio.run(
        sql(
            "INSERT INTO import_jobs (kind, file_name, format, options, status)"
            " VALUES ('hazards', 'x.csv', 'csv', '{}', 'running')"
        )
    )
    rows = [
        {
            "lon": 115.90 + (i % 100) * 0.001,
            "lat": 36.40 + (i // 100) * 0.001,
            "category": "SS01",
            "grade": "一般",
        }
        for i in range(2000)
    ]
    path = write_gpkg(tmp_path / "many.gpkg", rows)
    with live_service(isolated_db, "imports") as base:
        with path.open("rb") as f:
            r = httpx.post(
                f"{base}/api/v1/imports",
                files={"file": ("排查.gpkg", f, "application/geopackage+sqlite3")},
                data={"mode": "valid-rows"},
                headers=auth_headers("admin"),
                timeout=30,
            )
        assert r.status_code == 202, r.text
        location = r.headers["Location"]
        deadline = time.monotonic() + 60
        while True:
            job = httpx.get(f"{base}{location}", headers=auth_headers("admin"), timeout=10).json()
            if job["status"] in ("succeeded", "failed"):
                break
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
    assert job["status"] == "succeeded", job
    assert job["counts"] == {"read": 2000, "valid": 2000, "refused": 0, "written": 2000}
    assert (job["file_name"], job["format"], job["progress"]) == ("排查.gpkg", "gpkg", 1)
    assert asyncio.run(sql("SELECT count(*) FROM hazard_events WHERE action = 'import'")) == [(2000,)]
    assert asyncio.run(sql("SELECT status, error FROM import_jobs WHERE file_name = 'x.csv'")) == [
        ("failed", "the service stopped while this import ran; nothing was written: submit the file again")
    ]

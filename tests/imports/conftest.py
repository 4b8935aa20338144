"""Fixtures of the import tests: a road of known chainage, and posting a file then polling its job."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import APP_ROLE, Cluster
from tests.conftest import TEST_DB
from tests.jobs.workers import in_process_worker


@pytest.fixture(scope="package", autouse=True)
async def job_worker(cluster: Cluster, engine: AsyncEngine) -> AsyncIterator[None]:
    """Imports run as jobs of the queue: a worker takes them, as `hazardmap worker` would."""
    async with in_process_worker(cluster.url(TEST_DB, APP_ROLE)):
        yield


@pytest.fixture
async def import_roads(engine: AsyncEngine) -> AsyncIterator[dict[str, int]]:
    """G9309 from (115.95, 36.46) at K516+000 to (115.99, 36.46), 3000 m; removed afterwards."""
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(
                """
                INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, source)
                VALUES ('G9309', '测试国道', 'national', 516000, 3000,
                        ST_GeomFromText('LINESTRING(115.95 36.46, 115.99 36.46)', 4326), 'imports test')
                RETURNING code, id
                """
            )
        )
        ids = {code: id_ for code, id_ in rows.all()}
    yield ids
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE hazard_events, hazards, ledger_counters RESTART IDENTITY CASCADE"))
        await conn.execute(text("DELETE FROM roads WHERE source = 'imports test'"))


async def post_import(
    client: httpx.AsyncClient, path: Path, *, mapping: dict[str, str] | str | None = None, **form: Any
) -> httpx.Response:
    """POST the file; ``mapping`` as a dict is sent as JSON, as a string as it is."""
    data = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in form.items()}
    if mapping is not None:
        data["mapping"] = mapping if isinstance(mapping, str) else json.dumps(mapping, ensure_ascii=False)
    with path.open("rb") as f:
        return await client.post(
            "/api/v1/imports",
            files={"file": (path.name, f.read())},
            data=data,
        )


async def wait_job(client: httpx.AsyncClient, location: str, limit_s: float = 60.0) -> dict[str, Any]:
    """Poll the job until it is done; every progress seen must be 0–1 and never go down."""
    seen: list[float] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + limit_s
    while True:
        r = await client.get(location)
        assert r.status_code == 200, r.text
        job: dict[str, Any] = r.json()
        seen.append(job["progress"])
        if job["status"] in ("succeeded", "failed"):
            assert seen == sorted(seen) and all(0 <= p <= 1 for p in seen), seen
            return job
        assert loop.time() < end, f"job still {job['status']} after {limit_s} s"
        await asyncio.sleep(0.05)


async def run_import(
    client: httpx.AsyncClient, path: Path, *, mapping: dict[str, str] | None = None, **form: Any
) -> dict[str, Any]:
    r = await post_import(client, path, mapping=mapping, **form)
    assert r.status_code == 202, r.text
    return await wait_job(client, r.headers["Location"])

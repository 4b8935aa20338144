"""Posters, reports and detection runs asked for as jobs: checked at once, recorded and queued in the
request's transaction, seen only by who asked (and administrators); results expire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import APP_ROLE, Cluster
from app.jobs.queue import connector, queue
from app.jobs.settings import get_job_settings
from app.jobs.stalled import recover
from app.workjobs import repository
from tests.support.databases import TEST_DB
from tests.support.ledger import COUNTY


@pytest.fixture
async def cleared(engine: AsyncEngine) -> AsyncIterator[None]:
    async def clear() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("TRUNCATE work_jobs, procrastinate_jobs, procrastinate_workers CASCADE"))

    await clear()
    yield
    await clear()


async def _queued(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT w.kind, w.status, q.task_name, q.queue_name FROM work_jobs w"
                " JOIN procrastinate_jobs q ON (q.args->>'job_id')::bigint = w.id ORDER BY w.id"
            )
        )
        return [tuple(r) for r in rows]


async def test_each_kind_is_queued_with_its_row(
    clients: dict[str, httpx.AsyncClient], engine: AsyncEngine, cleared: None
) -> None:
    r = await clients["viewer"].post(f"/api/v1/posters/{COUNTY}/jobs", params={"size": "A3"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert (job["kind"], job["status"], job["progress"], job["jurisdiction"]) == (
        "poster",
        "queued",
        0,
        COUNTY,
    )
    assert job["params"] == {"format": "pdf", "size": "A3", "orientation": "landscape", "filters": {}}
    assert job["links"] == {"self": f"/api/v1/jobs/{job['id']}"}
    r = await clients["commander"].post("/api/v1/reports/jobs", params={"period": "2026q3", "format": "pdf"})
    assert r.status_code == 202, r.text
    assert r.json()["params"] == {"period": "2026Q3", "format": "pdf"}
    r = await clients["commander"].post("/api/v1/detections/jobs", json={"years": 2})
    assert r.status_code == 202, r.text
    params = r.json()["params"]
    since, until = datetime.fromisoformat(params["since"]), datetime.fromisoformat(params["until"])
    assert until - since > timedelta(days=700) and params["min_fatal_crashes"] == 3
    assert await _queued(engine) == [
        ("poster", "queued", "posters.render", "documents"),
        ("report", "queued", "reports.write", "documents"),
        ("detection", "queued", "crashes.detect", "detection"),
    ]


@pytest.mark.parametrize(
    ("role", "path", "params", "status", "field"),
    [
        ("viewer", "/api/v1/posters/999999/jobs", {}, 404, None),
        ("viewer", f"/api/v1/posters/{COUNTY}/jobs", {"format": "png", "size": "A0", "dpi": 600}, 422, "dpi"),
        ("viewer", f"/api/v1/posters/{COUNTY}/jobs", {"county": "371521"}, 422, "county"),
        ("viewer", f"/api/v1/posters/{COUNTY}/jobs", {"category": "ZZ99"}, 422, "category"),
        (
            "commander",
            "/api/v1/reports/jobs",
            {"period": "2026Q3", "jurisdiction": "999999"},
            422,
            "jurisdiction",
        ),
        ("commander", "/api/v1/reports/jobs", {"period": "1999"}, 422, "period"),
        ("agency", "/api/v1/reports/jobs", {"period": "2026"}, 403, None),
        ("county_officer", "/api/v1/detections/jobs", {}, 403, None),
    ],
)
async def test_what_cannot_be_made_is_refused_at_once(
    clients: dict[str, httpx.AsyncClient],
    engine: AsyncEngine,
    cleared: None,
    role: str,
    path: str,
    params: dict[str, str | int],
    status: int,
    field: str | None,
) -> None:
    r = await clients[role].post(path, params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if field:
        assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert await _queued(engine) == []


async def test_a_detection_job_refuses_bad_parameters(
    clients: dict[str, httpx.AsyncClient], engine: AsyncEngine, cleared: None
) -> None:
    r = await clients["commander"].post(
        "/api/v1/detections/jobs",
        json={"since": "2026-01-01T00:00:00+08:00", "until": "2025-01-01T00:00:00+08:00"},
    )
    assert r.status_code == 422, r.text
    assert await _queued(engine) == []


async def test_only_who_asked_and_admins_see_a_job(
    clients: dict[str, httpx.AsyncClient], cleared: None
) -> None:
    location = (await clients["agency"].post(f"/api/v1/posters/{COUNTY}/jobs")).headers["Location"]
    assert (await clients["agency"].get(location)).status_code == 200  # an API key polls its own
    assert (await clients["admin"].get(location)).status_code == 200
    for other in ("viewer", "commander"):
        r = await clients[other].get(location)
        assert r.status_code == 403, r.text
        assert "only who asked for it" in r.json()["detail"]
    # Not done yet: no file.
    r = await clients["agency"].get(f"{location}/result")
    assert r.status_code == 409, r.text
    assert r.json()["detail"].startswith("job ") and "queued" in r.json()["detail"]
    assert (await clients["admin"].get("/api/v1/jobs/99999999")).status_code == 404
    assert (await clients["admin"].get("/api/v1/jobs/0")).status_code == 422


async def test_expired_results_are_deleted(
    clients: dict[str, httpx.AsyncClient], engine: AsyncEngine, cleared: None
) -> None:
    kept = (await clients["viewer"].post(f"/api/v1/posters/{COUNTY}/jobs")).json()["id"]
    gone = (await clients["viewer"].post(f"/api/v1/posters/{COUNTY}/jobs")).json()["id"]
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE work_jobs SET status = 'succeeded', result = 'x'::bytea,"
                " media_type = 'application/pdf', file_name = 'a.pdf',"
                " expires_at = CASE WHEN id = :gone THEN CAST(:past AS timestamptz)"
                " ELSE CAST(:future AS timestamptz) END"
            ),
            {"gone": gone, "past": now - timedelta(seconds=1), "future": now + timedelta(hours=1)},
        )
    assert await repository.prune(engine, now) == 1
    assert (await clients["viewer"].get(f"/api/v1/jobs/{gone}")).status_code == 404
    r = await clients["viewer"].get(f"/api/v1/jobs/{kept}/result")
    assert (r.status_code, r.content, r.headers["content-type"]) == (200, b"x", "application/pdf")


async def test_a_person_has_at_most_three_jobs_waiting(
    clients: dict[str, httpx.AsyncClient], engine: AsyncEngine, cleared: None
) -> None:
    for _ in range(3):
        assert (await clients["agency"].post(f"/api/v1/posters/{COUNTY}/jobs")).status_code == 202
    r = await clients["agency"].post(f"/api/v1/posters/{COUNTY}/jobs")
    assert (r.status_code, r.headers["Retry-After"]) == (429, "10"), r.text
    assert r.json()["detail"] == "3 of your jobs are queued or running: ask again when one has ended"
    # Another's jobs do not count; one that ended frees a place.
    assert (await clients["viewer"].post(f"/api/v1/posters/{COUNTY}/jobs")).status_code == 202
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE work_jobs SET status = 'failed' WHERE id = (SELECT min(id) FROM work_jobs)")
        )
    assert (await clients["agency"].post(f"/api/v1/posters/{COUNTY}/jobs")).status_code == 202
    assert len(await _queued(engine)) == 5


async def test_a_job_whose_workers_kept_dying_is_failed(
    clients: dict[str, httpx.AsyncClient],
    engine: AsyncEngine,
    cluster: Cluster,
    cleared: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_job_settings(), "stalled_retries", 0)
    location = (await clients["viewer"].post(f"/api/v1/posters/{COUNTY}/jobs")).headers["Location"]
    async with engine.begin() as conn:
        # Its worker took it, then stopped beating a minute ago.
        worker = (
            await conn.execute(
                text(
                    "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 minute')"
                    " RETURNING id"
                )
            )
        ).scalar_one()
        await conn.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"), {"w": worker}
        )
        await conn.execute(text("UPDATE work_jobs SET status = 'running', stage = 'drawing'"))
    with queue.replace_connector(connector(cluster.url(TEST_DB, APP_ROLE))):
        async with queue.open_async():
            done = await recover(queue.job_manager)
    assert len(done["failed"]) == 1
    job = (await clients["viewer"].get(location)).json()
    assert (job["status"], job["progress"]) == ("failed", 1)
    assert job["error"] == "the worker doing this job stopped 1 time(s) before it ended: ask again"
    assert job["expires_at"] is not None

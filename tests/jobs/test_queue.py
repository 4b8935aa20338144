"""The queue in the service's database: jobs queued in the request's transaction, with the service's
role; stalled jobs retried or failed; schedules in Beijing time; the schema's migration both ways."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from typer.testing import CliRunner

from app import migrate
from app.cli import cli
from app.cluster import APP_ROLE, Cluster
from app.imports.jobs import import_file
from app.jobs import repository, schedule
from app.jobs.queue import MAINTENANCE, QUEUES, connector, queue
from app.jobs.settings import get_job_settings
from app.jobs.stalled import recover
from tests.support.databases import TEST_DB


@pytest.fixture
async def jobs_cleared(engine: AsyncEngine) -> AsyncIterator[None]:
    # Before as well as after: the imports tests' worker leaves its periodic maintenance jobs behind.
    async def clear() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("TRUNCATE procrastinate_jobs, procrastinate_workers CASCADE"))

    await clear()
    yield
    await clear()


async def _jobs(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT task_name, status::text, args, attempts FROM procrastinate_jobs ORDER BY id")
        )
        return [tuple(r) for r in rows]


async def test_a_job_is_queued_with_its_transaction(
    engine: AsyncEngine, app_engine: AsyncEngine, jobs_cleared: None
) -> None:
    # As the service's role: its grants are enough to queue.
    async with AsyncSession(app_engine) as session:
        await repository.defer(session, import_file, import_id=7, upload="x.csv", actor="张三")
        await session.rollback()  # a request that failed
    assert await _jobs(engine) == []
    async with AsyncSession(app_engine) as session, session.begin():
        job_id = await repository.defer(session, import_file, import_id=8, upload="y.csv", actor="张三")
        got = await repository.get(session, job_id)
    assert got is not None and (got["queue_name"], got["status"]) == ("imports", "todo")
    assert await _jobs(engine) == [
        ("imports.hazards", "todo", {"import_id": 8, "upload": "y.csv", "actor": "张三"}, 0)
    ]


@pytest.mark.parametrize(
    ("retries", "job_status", "import_status"), [(1, "todo", "running"), (0, "failed", "failed")]
)
async def test_a_stalled_job_is_retried_then_failed(
    cluster: Cluster,
    engine: AsyncEngine,
    jobs_cleared: None,
    monkeypatch: pytest.MonkeyPatch,
    retries: int,
    job_status: str,
    import_status: str,
) -> None:
    monkeypatch.setattr(get_job_settings(), "stalled_retries", retries)
    async with engine.begin() as conn:
        import_id = (
            await conn.execute(
                text(
                    "INSERT INTO import_jobs (kind, file_name, format, options, status)"
                    " VALUES ('hazards', 'a.csv', 'csv', '{}', 'running') RETURNING id"
                )
            )
        ).scalar_one()
        # A worker that beat last a minute ago, and the job it held.
        worker = (
            await conn.execute(
                text(
                    "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 minute')"
                    " RETURNING id"
                )
            )
        ).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id)"
                " VALUES ('imports', 'imports.hazards', CAST(:args AS jsonb), 'doing', :w)"
            ),
            {"args": f'{{"import_id": {import_id}, "upload": "gone.csv", "actor": "t"}}', "w": worker},
        )
    with queue.replace_connector(connector(cluster.url(TEST_DB, APP_ROLE))):
        async with queue.open_async():
            done = await recover(queue.job_manager)
            again = await recover(queue.job_manager)  # nothing left to do
    assert [len(done["retried"]), len(done["failed"])] == ([1, 0] if retries else [0, 1])
    assert again == {"retried": [], "failed": []}
    assert [(s, a) for _, s, _, a in await _jobs(engine)] == [(job_status, 1)]
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT status, error FROM import_jobs WHERE id = :id"), {"id": import_id}
            )
        ).one()
    assert row.status == import_status
    if import_status == "failed":
        assert row.error.startswith("the worker running this import stopped 1 time(s) before it ended")


def test_beijing_times_become_utc_cron_lines() -> None:
    assert schedule.cron_daily_at(8, 30) == "30 0 * * *"
    assert schedule.cron_daily_at(3) == "0 19 * * *"
    assert schedule.cron_daily_at(23, 59) == "59 15 * * *"
    assert schedule.cron_every(seconds=15) == "* * * * * */15"
    assert schedule.cron_every(minutes=5) == "*/5 * * * *"
    for bad in ((24, 0), (8, 60), (-1, 0)):
        with pytest.raises(ValueError):
            schedule.cron_daily_at(*bad)
    with pytest.raises(ValueError):
        schedule.cron_every(minutes=7)
    with pytest.raises(ValueError):
        schedule.cron_every(seconds=5, minutes=5)


def test_the_maintenance_jobs_are_scheduled() -> None:
    queue.perform_import_paths()  # every task module, as a worker imports them
    periodic = {
        p.task.name: p.cron
        for p in queue.periodic_registry.periodic_tasks.values()
        if p.task.queue == MAINTENANCE
    }
    assert periodic == {
        "jobs.recover_stalled": f"* * * * * */{get_job_settings().stalled_check_s}",
        "jobs.prune_finished": "17 * * * *",
        "workjobs.prune": "*/10 * * * *",
        "hazards.compact_counts": "*/10 * * * *",
        "notifications.prune": "30 19 * * *",
    }


def test_worker_refuses_an_unknown_queue() -> None:
    result = CliRunner().invoke(cli, ["worker", "--queue", "mail"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert f"unknown queue(s) mail; the queues are {', '.join(QUEUES)}" in result.output


async def test_the_queue_schema_goes_with_its_migration(empty_db: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    async def leftovers() -> int:
        eng = create_async_engine(empty_db)
        try:
            async with eng.connect() as conn:
                return int(
                    (
                        await conn.execute(
                            text(
                                "SELECT (SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%')"
                                " + (SELECT count(*) FROM pg_type WHERE typname LIKE 'procrastinate%')"
                                " + (SELECT count(*) FROM pg_class WHERE relname LIKE 'procrastinate%')"
                            )
                        )
                    ).scalar_one()
                )
        finally:
            await eng.dispose()

    await asyncio.to_thread(migrate.upgrade, empty_db, "7a3e9c51d0b4")
    assert await leftovers() > 0
    await asyncio.to_thread(migrate.downgrade, empty_db, "7a3e9c51d0b4-1")
    assert await leftovers() == 0

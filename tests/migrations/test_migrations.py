"""Migrations run both ways on an empty database, and the models do not drift from them."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app import migrate
from app.migrate import include_object
from app.models import Base

EXPECTED_TABLES = {
    "accident_prone_candidates",
    "api_keys",
    "auth_sessions",
    "categories",
    "category_events",
    "crashes",
    "hazard_counts",
    "hazard_events",
    "hazard_photos",
    "hazards",
    "import_jobs",
    "jurisdictions",
    "ledger_counters",
    "login_throttle",
    "notifications",
    "notification_deliveries",
    "notification_digests",
    "notification_preferences",
    # The job queue (procrastinate's schema).
    "procrastinate_events",
    "procrastinate_jobs",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
    "road_calibration_points",
    "road_versions",
    "roads",
    "user_jurisdictions",
    "users",
    "webhook_deliveries",
    "webhook_subscriptions",
    "work_jobs",
}


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT tablename FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'"
            )
        )
        names = {r[0] for r in rows}
    await engine.dispose()
    return names


async def test_upgrade_downgrade_upgrade(empty_db: str) -> None:
    await asyncio.to_thread(migrate.upgrade, empty_db)
    assert await _tables(empty_db) == EXPECTED_TABLES | {"alembic_version"}
    await asyncio.to_thread(migrate.downgrade, empty_db, "base")
    assert await _tables(empty_db) == {"alembic_version"}
    await asyncio.to_thread(migrate.upgrade, empty_db)
    assert await _tables(empty_db) == EXPECTED_TABLES | {"alembic_version"}


async def test_models_and_migrations_do_not_drift(empty_db: str) -> None:
    await asyncio.to_thread(migrate.upgrade, empty_db)
    engine = create_async_engine(empty_db)
    async with engine.connect() as conn:

        def diff(sync_conn):  # type: ignore[no-untyped-def]
            ctx = MigrationContext.configure(
                sync_conn, opts={"include_object": include_object, "compare_type": True}
            )
            return compare_metadata(ctx, Base.metadata)

        changes = await conn.run_sync(diff)
    await engine.dispose()
    assert changes == []


async def test_seeded_categories(empty_db: str) -> None:
    await asyncio.to_thread(migrate.upgrade, empty_db)
    engine = create_async_engine(empty_db)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT code, name_zh FROM categories ORDER BY code"))).all()
    await engine.dispose()
    assert len(rows) == 23
    assert ("XL01", "急弯") in rows and ("LM03", "路面积水") in rows

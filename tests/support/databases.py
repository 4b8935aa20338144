"""The harness's databases: names, clones of the template, and emptying what a test filled."""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.cluster import OWNER_ROLE, Cluster

TEST_PORT = int(os.environ.get("HAZARDMAP_TEST_PORT", "54339"))
TEMPLATE_DB = "hazardmap_template"
TEST_DB = "hazardmap_test"


def clone(cluster: Cluster, template: str, name: str) -> str:
    """A copy of ``template`` (owned by the owner role); the superuser's URL of it."""
    cluster.drop_database(name)
    cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER {OWNER_ROLE}')
    return cluster.url(name)


async def empty_ledger(conn: AsyncConnection) -> None:
    """Empty every table a test may fill through the ledger, crashes, photos and imports."""
    # TRUNCATE does not fire the row triggers that keep the history append-only.
    await conn.execute(
        text(
            "TRUNCATE accident_prone_candidates, crashes, hazard_events, hazard_photos, hazards,"
            " ledger_counters, import_jobs, login_throttle RESTART IDENTITY"
        )
    )

"""The harness's databases: names, clones of the template, and emptying what a test filled."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import TextClause, text
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


# What a test may fill through the ledger, crashes, photos, imports and logins.
LEDGER_TABLES = (
    "accident_prone_candidates",
    "crashes",
    "hazard_counts",
    "hazard_events",
    "hazard_photos",
    "hazards",
    "ledger_counters",
    "import_jobs",
    "login_throttle",
    "notifications",
    "notification_deliveries",
    "notification_digests",
    "notification_preferences",
    "webhook_deliveries",
    "webhook_subscriptions",
)


@dataclass(frozen=True)
class _Emptying:
    look: TextClause  # is any of the tables or their id sequences used?
    empty: TextClause  # delete every row and restart the ids, in one statement


_emptying: list[_Emptying] = []  # made once per session: the clones share the schema

_SEQUENCES = text(
    "SELECT d.objid::regclass::text, q.seqstart FROM pg_depend d"
    " JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_sequence q ON q.seqrelid = s.oid"
    " WHERE d.refobjid = ANY(CAST(:tables AS regclass[])) AND d.deptype IN ('a', 'i') ORDER BY 1"
)
# Foreign keys into these tables from any other: emptying only these would leave that one dangling.
_REFERRING = text(
    "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
    " AND confrelid = ANY(CAST(:tables AS regclass[])) AND NOT conrelid = ANY(CAST(:tables AS regclass[]))"
)


async def _prepare(conn: AsyncConnection) -> _Emptying:
    tables = {"tables": list(LEDGER_TABLES)}
    referring = (await conn.execute(_REFERRING, tables)).scalars().all()
    assert not referring, f"add {sorted(set(referring))} to LEDGER_TABLES: they refer to its tables"
    sequences = (await conn.execute(_SEQUENCES, tables)).all()
    looks = [f"EXISTS (SELECT FROM {t})" for t in LEDGER_TABLES]
    looks += [f"(SELECT is_called FROM {name})" for name, _ in sequences]
    deletes = ", ".join(f"d{i} AS (DELETE FROM {t})" for i, t in enumerate(LEDGER_TABLES))
    restarts = ", ".join(f"setval('{name}', {start}, false)" for name, start in sequences)
    return _Emptying(
        look=text("SELECT " + " OR ".join(looks)), empty=text(f"WITH {deletes} SELECT {restarts}")
    )


async def empty_ledger(conn: AsyncConnection) -> None:
    """Empty every table a test may fill through the ledger, crashes, photos, imports and logins, and
    restart their ids, as ``TRUNCATE … RESTART IDENTITY`` would.

    Cheaper than TRUNCATE, which makes new files for every table and index (tens of milliseconds per
    test): one look when nothing was written (a test that only read, or whose writes were all refused),
    else one DELETE of the few rows a test leaves, with the triggers off (as the superuser may) so that
    neither the append-only history nor the foreign keys between these tables stand in the way.
    """
    if not _emptying:
        _emptying.append(await _prepare(conn))
    emptying = _emptying[0]
    if (await conn.execute(emptying.look)).scalar_one():
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(emptying.empty)
        # The triggers on again for whatever the caller's transaction does next.
        await conn.execute(text("SET LOCAL session_replication_role = origin"))

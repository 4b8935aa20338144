"""The demo loader's queries. The files of sql/ are run without their comment lines (a comment
may name a bind parameter); the one statement put together here is the workflow step's UPDATE,
from column names checked against the workflow's and types of our own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app import overdue, sqlfiles
from app.roads.chainage import chainage_sql
from app.workflow.repository import WORKFLOW_COLUMNS

# The SQL type of each column a step writes (the JSON recordset's definition).
COLUMN_TYPES = {
    "status": "text",
    "claim_name": "text",
    "claim_post": "text",
    "claim_unit": "text",
    "claimed_at": "timestamptz",
    "measures": "text",
    "interim_measures": "text",
    "deadline": "date",
    "supervision_level": "text",
    "supervision_reason": "text",
    "supervised_since": "timestamptz",
    "evidence": "text",
    "rectified_by": "text",
    "rectified_at": "timestamptz",
    "verifier": "text",
    "verification": "text",
    "closed_at": "timestamptz",
    "reject_reason": "text",
}


def _sql(name: str) -> str:
    """An SQL file without its comment lines (a comment may name a bind parameter)."""
    lines = sqlfiles.load("app.demo", name).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--"))


async def lock(conn: AsyncConnection) -> None:
    """One demo load or clear at a time (two `make run`s started together would both see an empty ledger)."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('hazardmap.demo'))"))


async def set_actor(conn: AsyncConnection, actor: str) -> None:
    await conn.execute(text("SELECT set_config('hazardmap.actor', :actor, true)"), {"actor": actor})


async def ledger_rows(conn: AsyncConnection) -> tuple[int, int]:
    """The live rows of the ledger (real or demo), and the demo rows soft-deleted."""
    live, cleared = (
        await conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE deleted_at IS NULL),"
                "       count(*) FILTER (WHERE demo AND deleted_at IS NOT NULL)"
                "  FROM hazards"
            )
        )
    ).one()
    return int(live), int(cleared)


async def live_demo_rows(conn: AsyncConnection) -> int:
    return int(
        (
            await conn.execute(text("SELECT count(*) FROM hazards WHERE demo AND deleted_at IS NULL"))
        ).scalar_one()
    )


async def roads_loaded(conn: AsyncConnection) -> bool:
    return bool((await conn.execute(text("SELECT EXISTS (SELECT 1 FROM roads)"))).scalar_one())


async def measure_stretches(conn: AsyncConnection, segment_room: float, srid: int) -> None:
    """sql/stretches.sql: the temporary table demo_stretches, the room on each county's roads."""
    await conn.execute(text(_sql("stretches")), {"segment_room": segment_room, "srid": srid})


async def counties(conn: AsyncConnection) -> list[tuple[str, float, int, str]]:
    """Per county with an outline: code, the length of its roads for points, how many (kind, pool)
    stretches it has, name (from demo_stretches)."""
    rows = await conn.execute(
        text(
            "SELECT c.code,"
            "       coalesce(max(s.total) FILTER (WHERE s.kind = 'point' AND s.pool = 'any'), 0),"
            "       count(DISTINCT (s.kind, s.pool)), c.name"
            "  FROM jurisdictions c LEFT JOIN demo_stretches s ON s.county_code = c.code"
            " WHERE c.level = 'county' AND c.geom IS NOT NULL"
            " GROUP BY c.code ORDER BY c.code"
        )
    )
    return [(str(code), float(m), int(pools), str(name)) for code, m, pools, name in rows]


async def categories(conn: AsyncConnection) -> dict[str, str]:
    """The active categories' usual visibility by code."""
    rows = await conn.execute(
        text("SELECT code, usual_visibility FROM categories WHERE active ORDER BY code")
    )
    return {code: visibility for code, visibility in rows}


async def insert(conn: AsyncConnection, specs_json: str, srid: int) -> int:
    """sql/insert.sql: the rows of ``specs_json`` placed on their stretches; how many were inserted."""
    sql = sqlfiles.render(_sql("insert"), chainage=chainage_sql("l.chainage_m", "l.end_chainage_m"))
    result = await conn.execute(text(sql), {"specs": specs_json, "srid": srid})
    return result.rowcount


def _step_sql(columns: list[str]) -> str:
    unknown = set(columns) - WORKFLOW_COLUMNS
    if unknown:
        raise ValueError(f"not workflow columns: {sorted(unknown)}")
    sets = ", ".join(f'"{c}" = x."{c}"' for c in columns)
    record = ", ".join(f'"{c}" {COLUMN_TYPES[c]}' for c in columns)
    return (
        f"UPDATE hazards h SET {sets}, updated_by = CAST(:actor AS text)"
        f" FROM jsonb_to_recordset(CAST(CAST(:rows AS text) AS jsonb)) AS x(uid uuid, {record})"
        " WHERE h.uid = x.uid AND h.demo AND h.deleted_at IS NULL"
    )


async def take_step(
    conn: AsyncConnection, columns: list[str], rows_json: str, *, actor: str, action: str, note: str, at: str
) -> int:
    """One workflow step for the rows of ``rows_json`` (uid and the step's ``columns``), as ``actor``,
    recorded in the history as ``action`` with its note and time; how many rows it changed."""
    await conn.execute(
        text(
            "SELECT set_config('hazardmap.actor', :actor, true),"
            " set_config('hazardmap.action', :action, true),"
            " set_config('hazardmap.note', :note, true),"
            " set_config('hazardmap.at', :at, true)"
        ),
        {"actor": actor, "action": action, "note": note, "at": at},
    )
    result = await conn.execute(text(_step_sql(columns)), {"rows": rows_json, "actor": actor})
    return result.rowcount


async def end_steps(conn: AsyncConnection, actor: str) -> None:
    """The history's action, note and time back to none; the actor back to ``actor``."""
    await conn.execute(
        text(
            "SELECT set_config('hazardmap.action', '', true), set_config('hazardmap.note', '', true),"
            " set_config('hazardmap.at', '', true)"
        )
    )
    await set_actor(conn, actor)


async def clear(conn: AsyncConnection, actor: str) -> int:
    """Soft-delete every live demo row; the history records it. Returns how many."""
    result = await conn.execute(
        text("UPDATE hazards SET deleted_at = now(), updated_by = :actor WHERE demo AND deleted_at IS NULL"),
        {"actor": actor},
    )
    return result.rowcount


async def summary(conn: AsyncConnection, open_statuses: list[str]) -> list[tuple[Any, ...]]:
    """sql/summary.sql: the live demo rows per county."""
    rows = await conn.execute(text(_sql("summary")), {"open": open_statuses, **overdue.params()})
    return [tuple(r) for r in rows]

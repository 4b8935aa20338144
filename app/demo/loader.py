"""Load and clear the demo data set: ~300 hazard points and 40 segments, every row ``demo = true``.

Rows go in through plain SQL, so the triggers of the foundation migration do to them what they
do to real rows: county, township and ledger number assigned, one ``create`` event each in the
history. Then each takes its workflow steps (claim, start, list, rectify, close, delist, reject)
as app.workflow writes them: the same columns, with the actor, action and note set for the
transaction, so that the history has one event per step naming who took it; the steps' own
dates (claimed_at, rectified_at, closed_at…) lie in the past year; the events' own time is the
load's. Clearing cannot delete them (the ledger refuses DELETE and the history is evidence): it
soft-deletes them, which the history records as a ``delete`` by ``demo``; their ledger
numbers are not issued again. A later load adds a fresh set with new numbers.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app import overdue, sqlfiles
from app.demo import generate
from app.geodata.progress import NoProgress, ProgressSink
from app.roads.chainage import chainage_sql
from app.settings import get_settings
from app.vocab import OPEN_STATUSES
from app.workflow.repository import WORKFLOW_COLUMNS

ACTOR = "demo"
# One demo load or clear at a time (two `make run`s started together would both see an empty ledger).
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('hazardmap.demo'))")
# A segment is cut 100 m inside its stretch at both ends.
SEGMENT_ROOM_M = 2000 + 200


def _sql(name: str) -> str:
    """An SQL file without its comment lines (a comment may name a bind parameter)."""
    lines = sqlfiles.load("app.demo", name).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--"))


class DemoError(RuntimeError):
    """The demo set cannot be loaded (no roads, or it is loaded already)."""


@dataclass
class DemoReport:
    """What a load did; ``skipped`` says why nothing was loaded, when nothing was."""

    points: int = 0
    segments: int = 0
    by_county: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def total(self) -> int:
        return self.points + self.segments


async def _set_actor(conn: AsyncConnection) -> None:
    await conn.execute(text("SELECT set_config('hazardmap.actor', :actor, true)"), {"actor": ACTOR})


async def why_not_empty(conn: AsyncConnection) -> str | None:
    """Why ``--if-empty`` leaves the ledger alone, or None when the demo may be loaded.

    Live rows (real or demo) are a ledger in use. A cleared demo set (its rows soft-deleted) was the
    user's choice, which `make run` must not undo; `hazardmap demo load` brings it back. Rows a user
    deleted by hand (not demo) do not count: a ledger with none live is empty to everyone who reads it.
    """
    live, cleared = (
        await conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE deleted_at IS NULL),"
                "       count(*) FILTER (WHERE demo AND deleted_at IS NOT NULL)"
                "  FROM hazards"
            )
        )
    ).one()
    if live:
        return f"the ledger is not empty ({live} live rows)"
    if cleared:
        return "the demo set was cleared; `hazardmap demo load` brings it back"
    return None


async def live_demo_rows(conn: AsyncConnection) -> int:
    return (
        await conn.execute(text("SELECT count(*) FROM hazards WHERE demo AND deleted_at IS NULL"))
    ).scalar_one()


async def _counties(conn: AsyncConnection) -> list[generate.County]:
    """The counties with the length of their roads; each must have roads of every pool and kind."""
    rows = (
        await conn.execute(
            text(
                "SELECT c.code,"
                "       coalesce(max(s.total) FILTER (WHERE s.kind = 'point' AND s.pool = 'any'), 0),"
                "       count(DISTINCT (s.kind, s.pool)), c.name"
                "  FROM jurisdictions c LEFT JOIN demo_stretches s ON s.county_code = c.code"
                " WHERE c.level = 'county' AND c.geom IS NOT NULL"
                " GROUP BY c.code ORDER BY c.code"
            )
        )
    ).all()
    if not rows:
        raise DemoError("no county outlines loaded: run `hazardmap geodata load` first")
    short = [code for code, _, pools, _ in rows if pools < 4]
    if short:
        raise DemoError(
            f"county {', '.join(short)} lacks roads for the demo (each needs an ordinary road with "
            f"{SEGMENT_ROOM_M:.0f} m inside it); load the schematic network: `hazardmap geodata load`"
        )
    return [generate.County(code, float(m), name) for code, m, _, name in rows]


async def _categories(conn: AsyncConnection) -> dict[str, str]:
    rows = await conn.execute(
        text("SELECT code, usual_visibility FROM categories WHERE active ORDER BY code")
    )
    return {code: visibility for code, visibility in rows}


async def load_demo(
    conn: AsyncConnection, *, if_empty: bool = False, progress: ProgressSink | None = None
) -> DemoReport:
    """Load the demo set inside the caller's transaction.

    ``if_empty``: do nothing when the ledger has live rows, or the demo set was cleared
    (see ``why_not_empty``), so that `make run` never brings back a demo that was cleared.
    """
    sink = progress or NoProgress()
    await conn.execute(_LOCK)
    if if_empty and (reason := await why_not_empty(conn)):
        return DemoReport(skipped=reason)
    live = await live_demo_rows(conn)
    if live:
        raise DemoError(f"the demo set is loaded already ({live} rows); `hazardmap demo clear` first")

    sink.stage("measuring the roads of each county")
    if not (await conn.execute(text("SELECT EXISTS (SELECT 1 FROM roads)"))).scalar_one():
        raise DemoError("no roads loaded: run `hazardmap geodata load` first (the demo sits on roads)")
    await conn.execute(
        text(_sql("stretches")), {"segment_room": SEGMENT_ROOM_M, "srid": get_settings().metric_srid}
    )
    counties = await _counties(conn)
    # A uid of its own for every row of every load (a load after `demo clear` must not meet the old ones).
    specs = [replace(s, uid=str(uuid.uuid4())) for s in generate.build(counties, await _categories(conn))]

    await _set_actor(conn)
    insert = text(_sql("insert").replace("/*chainage*/", chainage_sql("l.chainage_m", "l.end_chainage_m")))
    report = DemoReport()
    sink.stage("placing and inserting the demo rows, county by county", total=len(counties))
    for county in counties:
        mine = [s for s in specs if s.county_code == county.code]
        specs_json = json.dumps([s.as_json() for s in mine])
        result = await conn.execute(insert, {"specs": specs_json, "srid": get_settings().metric_srid})
        if result.rowcount != len(mine):
            raise DemoError(f"county {county.code}: placed {result.rowcount} of {len(mine)} demo rows")
        report.by_county[county.code] = len(mine)
        sink.advance()
    sink.stage("taking the workflow's steps: claim, start, list, rectify, close, delist, reject")
    await _take_steps(conn, specs)
    report.points = sum(s.kind == "point" for s in specs)
    report.segments = sum(s.kind == "segment" for s in specs)
    return report


# The order of the steps: each row takes its own in this order (list before rectify: supervision
# runs beside an open hazard; delist after close).
STEP_ORDER = ("claim", "start", "list", "rectify", "close", "delist", "reject")
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


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


async def _take_steps(conn: AsyncConnection, specs: list[generate.Spec]) -> None:
    """Every row's steps, in STEP_ORDER, one statement per (action, actor, note, time): the history
    event of each step carries the time it was taken (``hazardmap.at``, honoured for demo rows only)."""
    groups: dict[tuple[str, str, str | None, datetime], list[tuple[str, generate.Step]]] = defaultdict(list)
    for spec in specs:
        for step in spec.steps:
            groups[(step.action, step.actor, step.note, step.at)].append((spec.uid, step))
    for (action, actor, note, at), rows in sorted(
        groups.items(), key=lambda g: (STEP_ORDER.index(g[0][0]), g[0][3], g[0][1], g[0][2] or "")
    ):
        columns = list(rows[0][1].values)
        payload = [{"uid": uid, **{c: _json(v) for c, v in step.values.items()}} for uid, step in rows]
        await conn.execute(
            text(
                "SELECT set_config('hazardmap.actor', :actor, true),"
                " set_config('hazardmap.action', :action, true),"
                " set_config('hazardmap.note', :note, true),"
                " set_config('hazardmap.at', :at, true)"
            ),
            {"actor": actor, "action": action, "note": note or "", "at": at.isoformat()},
        )
        result = await conn.execute(
            text(_step_sql(columns)), {"rows": json.dumps(payload, ensure_ascii=False), "actor": actor}
        )
        if result.rowcount != len(rows):
            raise DemoError(f"step {action} by {actor}: applied to {result.rowcount} of {len(rows)} rows")
    await conn.execute(
        text(
            "SELECT set_config('hazardmap.action', '', true), set_config('hazardmap.note', '', true),"
            " set_config('hazardmap.at', '', true)"
        )
    )
    await _set_actor(conn)


async def clear_demo(conn: AsyncConnection) -> int:
    """Soft-delete every live demo row; the history records it. Returns how many."""
    await conn.execute(_LOCK)
    await _set_actor(conn)
    result = await conn.execute(
        text("UPDATE hazards SET deleted_at = now(), updated_by = :actor WHERE demo AND deleted_at IS NULL"),
        {"actor": ACTOR},
    )
    return result.rowcount


# Per county: code, name, points, segments, open, closed, overdue.
CountySummary = tuple[str, str, int, int, int, int, int]


async def summary(conn: AsyncConnection) -> list[CountySummary]:
    """The live demo rows per county."""
    rows = await conn.execute(
        text(_sql("summary")), {"open": [s.value for s in OPEN_STATUSES], **overdue.params()}
    )
    return [tuple(r) for r in rows]

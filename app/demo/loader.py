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

from sqlalchemy.ext.asyncio import AsyncConnection

from app.demo import generate, repository
from app.geodata.progress import NoProgress, ProgressSink
from app.settings import get_settings
from app.vocab import OPEN_STATUSES

ACTOR = "demo"
# A segment is cut 100 m inside its stretch at both ends.
SEGMENT_ROOM_M = 2000 + 200


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


async def why_not_empty(conn: AsyncConnection) -> str | None:
    """Why ``--if-empty`` leaves the ledger alone, or None when the demo may be loaded.

    Live rows (real or demo) are a ledger in use. A cleared demo set (its rows soft-deleted) was the
    user's choice, which `make run` must not undo; `hazardmap demo load` brings it back. Rows a user
    deleted by hand (not demo) do not count: a ledger with none live is empty to everyone who reads it.
    """
    live, cleared = await repository.ledger_rows(conn)
    if live:
        return f"the ledger is not empty ({live} live rows)"
    if cleared:
        return "the demo set was cleared; `hazardmap demo load` brings it back"
    return None


async def live_demo_rows(conn: AsyncConnection) -> int:
    return await repository.live_demo_rows(conn)


async def _counties(conn: AsyncConnection) -> list[generate.County]:
    """The counties with the length of their roads; each must have roads of every pool and kind."""
    rows = await repository.counties(conn)
    if not rows:
        raise DemoError("no county outlines loaded: run `hazardmap geodata load` first")
    short = [code for code, _, pools, _ in rows if pools < 4]
    if short:
        raise DemoError(
            f"county {', '.join(short)} lacks roads for the demo (each needs an ordinary road with "
            f"{SEGMENT_ROOM_M:.0f} m inside it); load the schematic network: `hazardmap geodata load`"
        )
    return [generate.County(code, m, name) for code, m, _, name in rows]


async def load_demo(
    conn: AsyncConnection, *, if_empty: bool = False, progress: ProgressSink | None = None
) -> DemoReport:
    """Load the demo set inside the caller's transaction.

    ``if_empty``: do nothing when the ledger has live rows, or the demo set was cleared
    (see ``why_not_empty``), so that `make run` never brings back a demo that was cleared.
    """
    sink = progress or NoProgress()
    await repository.lock(conn)
    if if_empty and (reason := await why_not_empty(conn)):
        return DemoReport(skipped=reason)
    live = await live_demo_rows(conn)
    if live:
        raise DemoError(f"the demo set is loaded already ({live} rows); `hazardmap demo clear` first")

    sink.stage("measuring the roads of each county")
    if not await repository.roads_loaded(conn):
        raise DemoError("no roads loaded: run `hazardmap geodata load` first (the demo sits on roads)")
    await repository.measure_stretches(conn, SEGMENT_ROOM_M, get_settings().metric_srid)
    counties = await _counties(conn)
    # A uid of its own for every row of every load (a load after `demo clear` must not meet the old ones).
    specs = [
        replace(s, uid=str(uuid.uuid4())) for s in generate.build(counties, await repository.categories(conn))
    ]

    await repository.set_actor(conn, ACTOR)
    report = DemoReport()
    sink.stage("placing and inserting the demo rows, county by county", total=len(counties))
    for county in counties:
        mine = [s for s in specs if s.county_code == county.code]
        specs_json = json.dumps([s.as_json() for s in mine])
        placed = await repository.insert(conn, specs_json, get_settings().metric_srid)
        if placed != len(mine):
            raise DemoError(f"county {county.code}: placed {placed} of {len(mine)} demo rows")
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
        done = await repository.take_step(
            conn,
            columns,
            json.dumps(payload, ensure_ascii=False),
            actor=actor,
            action=action,
            note=note or "",
            at=at.isoformat(),
        )
        if done != len(rows):
            raise DemoError(f"step {action} by {actor}: applied to {done} of {len(rows)} rows")
    await repository.end_steps(conn, ACTOR)


async def clear_demo(conn: AsyncConnection) -> int:
    """Soft-delete every live demo row; the history records it. Returns how many."""
    await repository.lock(conn)
    await repository.set_actor(conn, ACTOR)
    return await repository.clear(conn, ACTOR)


# Per county: code, name, points, segments, open, closed, overdue.
CountySummary = tuple[str, str, int, int, int, int, int]


async def summary(conn: AsyncConnection) -> list[CountySummary]:
    """The live demo rows per county."""
    return await repository.summary(conn, [s.value for s in OPEN_STATUSES])

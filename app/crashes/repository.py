"""The queries that list crashes and candidates; PostGIS builds the GeoJSON, values are bound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import text

from app.roads.chainage import chainage_sql
from app.roads.linear import Executor
from app.sqlfiles import compose, fetch_rows, run_script

PKG = "app.crashes"
BBOX = "c.geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)"


@dataclass(frozen=True)
class Page:
    matched: int
    returned: int
    features: str  # the JSON array text PostGIS built


# The 桩号 expressions each file is given beside its WHERE.
_PIECES: dict[str, dict[str, str]] = {
    "list": {"chainage": chainage_sql("c.chainage_m")},
    "candidates": {
        "point_chainage": chainage_sql("c.point_chainage_m"),
        "segment_chainage": chainage_sql("c.start_chainage_m", "c.end_chainage_m"),
    },
    "density": {},
}


@cache
def _sql(name: str, where: str) -> str:
    return compose(PKG, name, where=where, **_PIECES[name])


async def _page(db: Executor, name: str, clauses: list[str], params: dict[str, Any]) -> Page:
    row = (await db.execute(text(_sql(name, " AND ".join(clauses) or "true")), params)).one()
    return Page(matched=row.matched, returned=row.returned, features=row.features)


def _bbox(bbox: tuple[float, float, float, float] | None, clauses: list[str], params: dict[str, Any]) -> None:
    if bbox is not None:
        clauses.append(BBOX)
        params.update(dict(zip(("x1", "y1", "x2", "y2"), bbox, strict=True)))


async def list_crashes(
    db: Executor,
    *,
    bbox: tuple[float, float, float, float] | None,
    roads: list[str] | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> Page:
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    _bbox(bbox, clauses, params)
    if roads:
        clauses.append("c.road_id IN (SELECT id FROM roads WHERE code = ANY(:roads))")
        params["roads"] = roads
    if since is not None:
        clauses.append("c.occurred_at >= :since")
        params["since"] = since
    if until is not None:
        clauses.append("c.occurred_at < :until")
        params["until"] = until
    return await _page(db, "list", clauses, params)


async def list_candidates(
    db: Executor,
    *,
    bbox: tuple[float, float, float, float] | None,
    statuses: list[str] | None,
    kinds: list[str] | None,
    roads: list[str] | None,
    limit: int,
    offset: int,
) -> Page:
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    _bbox(bbox, clauses, params)
    for column, values in (("status", statuses), ("kind", kinds), ("road_code", roads)):
        if values:
            clauses.append(f"c.{column} = ANY(:{column})")
            params[column] = values
    return await _page(db, "candidates", clauses, params)


@dataclass(frozen=True)
class Density:
    cells: int
    max_crashes: int
    crashes: int
    features: str  # the JSON array text PostGIS built


async def density(
    db: Executor,
    *,
    bbox: tuple[float, float, float, float] | None,
    cell_m: float,
    srid: int,
    since: datetime | None,
    until: datetime | None,
) -> Density:
    """Crashes per square cell of ``cell_m`` metres (in ``srid``), with their deaths and injuries."""
    clauses: list[str] = []
    params: dict[str, Any] = {"cell": cell_m, "srid": srid}
    _bbox(bbox, clauses, params)
    if since is not None:
        clauses.append("c.occurred_at >= :since")
        params["since"] = since
    if until is not None:
        clauses.append("c.occurred_at < :until")
        params["until"] = until
    row = (await db.execute(text(_sql("density", " AND ".join(clauses) or "true")), params)).one()
    return Density(
        cells=row.cells, max_crashes=int(row.max_crashes), crashes=int(row.crashes), features=row.features
    )


# -- the officer's decision on a candidate --------------------------------------------------------


async def lock_candidate(db: Executor, candidate_id: int) -> Any:
    """The candidate (every column, and its hazard's ledger_no), locked; None when there is none."""
    return (
        await db.execute(
            text(
                "SELECT c.*, h.ledger_no FROM accident_prone_candidates c"
                " LEFT JOIN hazards h ON h.id = c.hazard_id WHERE c.id = :id FOR UPDATE OF c"
            ),
            {"id": candidate_id},
        )
    ).one_or_none()


async def category_active(db: Executor, code: str) -> bool:
    found = await db.execute(text("SELECT 1 FROM categories WHERE code = :c AND active"), {"c": code})
    return found.one_or_none() is not None


async def insert_hazard_from_candidate(db: Executor, values: dict[str, Any]) -> Any:
    """The candidate (``values["id"]``) as a hazard on its road and geometry, through the ledger's
    triggers (county, township, ledger number, history) with ``values["actor"]`` as the actor:
    the new row's id and ledger_no."""
    await db.execute(text("SELECT set_config('hazardmap.actor', :actor, true)"), {"actor": values["actor"]})
    return (
        await db.execute(
            text(
                "INSERT INTO hazards (kind, category_code, visibility, grade, source, description, address,"
                " status, road_id, chainage_m, end_chainage_m, direction, geom, created_by, updated_by)"
                " SELECT :kind, :category, :visibility, :grade, :source, :description, :address, :status,"
                " c.road_id, :chainage_m, :end_chainage_m, :direction, c.geom, :actor, :actor"
                " FROM accident_prone_candidates c WHERE c.id = :id"
                " RETURNING id, ledger_no"
            ),
            values,
        )
    ).one()


async def mark_accepted(db: Executor, candidate_id: int, hazard_id: int, actor: str) -> None:
    await db.execute(
        text(
            "UPDATE accident_prone_candidates SET status = 'accepted', hazard_id = :hazard,"
            " decided_at = now(), decided_by = :actor WHERE id = :id"
        ),
        {"id": candidate_id, "hazard": hazard_id, "actor": actor},
    )


async def mark_dismissed(db: Executor, candidate_id: int, actor: str, note: str | None) -> None:
    await db.execute(
        text(
            "UPDATE accident_prone_candidates SET status = 'dismissed', decided_at = now(),"
            " decided_by = :actor, decision_note = :note WHERE id = :id"
        ),
        {"id": candidate_id, "actor": actor, "note": note},
    )


async def staged_counts(db: Executor) -> tuple[int, int]:
    """Of the crashes staged by an import (import_crashes) and not refused: how many lie on a road,
    how many on none."""
    row = (
        await db.execute(
            text(
                "SELECT count(*) FILTER (WHERE road_id IS NOT NULL) AS on_road,"
                " count(*) FILTER (WHERE road_id IS NULL) AS off_road"
                " FROM import_crashes WHERE reason IS NULL"
            )
        )
    ).one()
    return int(row.on_road), int(row.off_road)


# -- accident-prone detection: its steps are script files run in order on one connection -------------


async def detection_step(db: Executor, name: str, params: dict[str, Any], /, **pieces: str) -> None:
    await run_script(db, PKG, name, params, **pieces)


async def detection_rows(db: Executor, name: str, params: dict[str, Any], /, **pieces: str) -> list[Any]:
    return await fetch_rows(db, PKG, name, params, **pieces)


async def open_candidate_count(db: Executor) -> int:
    found = await db.execute(
        text("SELECT count(*) FROM accident_prone_candidates WHERE status = 'candidate'")
    )
    return int(found.scalar_one())


async def top_candidates(db: Executor, limit: int) -> list[Any]:
    """The open candidates with the most crashes, for the command line's summary."""
    rows = await db.execute(
        text(
            "SELECT kind, road_code, start_chainage_m, end_chainage_m, point_chainage_m,"
            " crash_count, deaths, injuries, reasons FROM accident_prone_candidates"
            " WHERE status = 'candidate' ORDER BY crash_count DESC, id LIMIT :limit"
        ),
        {"limit": limit},
    )
    return list(rows.all())

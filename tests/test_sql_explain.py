"""Every ``.sql`` file under app/ is rendered with pieces like the code's and planned by PostgreSQL.

A statement that reads or writes is EXPLAINed (planned, not run) with every parameter NULL; the
others of a script (CREATE TEMP TABLE, CREATE INDEX, ANALYZE…) are run, so that the statements
after them find their tables. Scripts that build on one another run in order, in one transaction
that is rolled back. A file whose SQL no longer parses, names a column that is gone or a marker the
code does not fill fails here, without a test of its own having to reach it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import sqlfiles
from app.hazards.repository import features_sql, filter_clauses, filter_sql
from app.hazards.schemas import HazardFilter
from app.jurisdictions.repository import features_sql as jurisdiction_features_sql
from app.jurisdictions.schemas import GeometryChoice
from app.roads.chainage import chainage_sql
from app.roads.repository import filter_sql as road_filter_sql
from app.roads.schemas import RoadFilter

APP = Path(str(resources.files("app")))
BOX = (115.9, 36.4, 116.1, 36.5)
DAY = datetime(2026, 1, 1, tzinfo=UTC)

# Every filter of the list set at once: the widest WHERE the code writes.
EVERY_FILTER = HazardFilter(
    county=["371502"],
    township=["371502001"],
    zone=["Z371501"],
    village=["371502001001"],
    status=["reported"],
    road_group=["national_provincial", "none"],
    road=["G309"],
    category=["x"],
    visibility=["explicit"],
    grade=["major"],
    bbox=BOX,
    updated_since=DAY,
    reported_from=DAY,
    reported_to=DAY,
    overdue=True,
    supervised=True,
)
HAZARDS_WHERE = filter_sql("point", EVERY_FILTER)[0]
HAZARD_CLAUSES = filter_clauses(EVERY_FILTER)[0]
ROADS_WHERE = road_filter_sql(
    RoadFilter(bbox=BOX, road_group=["rural"], road_class=["village"], code=["G309"])
)[0]
CRASHES_WHERE = "c.geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326) AND c.occurred_at >= :since"
JURISDICTIONS_WHERE = "j.level = ANY(:level) AND j.parent_code = ANY(:parent)"
H_CHAINAGE = chainage_sql("h.chainage_m", "h.end_chainage_m")
R_CHAINAGE = chainage_sql("r.start_chainage_m", "r.start_chainage_m + r.length_m")
REASONS = "array_remove(ARRAY[CASE WHEN fatal >= CAST(:min_fatal AS integer) THEN 'fatal' END]::text[], NULL)"
ROAD_FEATURES = sqlfiles.compose("app.roads", "features", chainage=R_CHAINAGE)

# The pieces each file with markers is given, like those its code gives it.
PIECES: dict[str, dict[str, str]] = {
    "crashes/candidates": {
        "where": "c.status = ANY(:status) AND c.geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)",
        "point_chainage": chainage_sql("c.point_chainage_m"),
        "segment_chainage": chainage_sql("c.start_chainage_m", "c.end_chainage_m"),
    },
    "crashes/density": {"where": CRASHES_WHERE},
    "crashes/list": {"where": CRASHES_WHERE, "chainage": chainage_sql("c.chainage_m")},
    "crashes/detect_windows": {"reasons": REASONS},
    "crashes/detect_junctions": {"reasons": REASONS},
    "crashes/detect_evidence": {"reasons": REASONS},
    "crashes/detect_store": {"reasons": REASONS},
    "crashes/import_check": {"chainage": chainage_sql("i.chainage_m")},
    "demo/insert": {"chainage": chainage_sql("l.chainage_m", "l.end_chainage_m")},
    "hazards/export": {"where": HAZARDS_WHERE, "features": features_sql()},
    "hazards/features": {
        "chainage": H_CHAINAGE,
        "duplicates": "",
        "geometry": "ST_AsGeoJSON(h.geom, 7)::json",
    },
    "hazards/list": {"where": HAZARDS_WHERE, "features": features_sql()},
    "hazards/list_box": {"where": HAZARDS_WHERE, "features": features_sql()},
    "hazards/list_counted": {
        "where": HAZARDS_WHERE,
        "counted": "c.kind = :kind AND c.county_code = ANY(:county) AND c.status = ANY(:status)",
        "features": features_sql(),
    },
    "hazards/one": {"features": features_sql()},
    "hazards/tile": {"where": HAZARDS_WHERE},
    "imports/check": {"chainage": chainage_sql("i.chainage_m", "i.end_chainage_m"), "run": R_CHAINAGE},
    "jurisdictions/features": {"geometry": "ST_AsGeoJSON(j.geom, 7)::json"},
    "jurisdictions/list": {
        "where": JURISDICTIONS_WHERE,
        "features": jurisdiction_features_sql(GeometryChoice.outline, 0.001),
    },
    "jurisdictions/one": {"features": jurisdiction_features_sql(GeometryChoice.centre)},
    "ledger/rows": {"chainage": H_CHAINAGE, "where": "".join(f"AND {c}\n" for c in HAZARD_CLAUSES)},
    "ogc/jurisdictions": {
        "where": JURISDICTIONS_WHERE,
        "features": jurisdiction_features_sql(GeometryChoice.outline),
    },
    "posters/hazards": {"where": HAZARDS_WHERE, "chainage": H_CHAINAGE},
    "roads/features": {"chainage": R_CHAINAGE},
    "roads/list": {"where": ROADS_WHERE, "features": ROAD_FEATURES},
    "roads/one": {"features": ROAD_FEATURES},
    "stats/grid": {"where": "".join(f"\n AND {c}" for c in HAZARD_CLAUSES)},
    "tiles/roads": {"where": ROADS_WHERE},
}

# Scripts that use the temporary tables of the ones before them: planned in this order.
CHAINS: list[list[str]] = [
    [
        "crashes/detect_prepare",
        "crashes/detect_windows",
        "crashes/detect_segments",
        "crashes/detect_points",
        "crashes/detect_junctions",
        "crashes/detect_junction_list",
        "crashes/detect_junction_found",
        "crashes/detect_evidence",
        "crashes/detect_counts",
        "crashes/detect_found_list",
        "crashes/detect_place",
        "crashes/detect_store",
        "crashes/detect_off_network",
    ],
    ["crashes/import_stage", "crashes/import_check", "crashes/import_insert"],
    [
        "imports/stage",
        "imports/check",
        "imports/headings",
        "imports/heading_set",
        "imports/ledger_blocks",
        "imports/ledger_reserve",
        "imports/insert",
        "imports/ledger_give_back",
    ],
    ["geodata/boundaries_stage", "geodata/boundaries_check", "geodata/boundaries_upsert"],
    ["geodata/roads_stage", "geodata/roads_check", "geodata/roads_insert"],
    ["geodata/routes_stage", "geodata/routes_check", "geodata/routes_replace", "geodata/routes_counts"],
    ["demo/stretches", "demo/insert"],
]

# The files run statement by statement (app.sqlfiles.run_script); the others are one statement each.
SCRIPTS = {name for chain in CHAINS for name in chain if not name.startswith("demo/")}

# Single statements that make a table the next file reads: run, not only planned.
RUN = {"demo/stretches"}

PLANNED = re.compile(r"^\s*(WITH|SELECT|INSERT|UPDATE|DELETE|VALUES|MERGE)\b", re.IGNORECASE)
COMMENT_LINE = re.compile(r"^\s*--.*$", re.MULTILINE)


def _all_files() -> list[str]:
    return sorted(f"{p.parent.parent.name}/{p.stem}" for p in APP.glob("*/sql/*.sql"))


def _groups() -> list[list[str]]:
    chained = {name for chain in CHAINS for name in chain}
    return CHAINS + [[name] for name in _all_files() if name not in chained]


def _statements(name: str) -> list[str]:
    domain, file = name.split("/")
    sql = sqlfiles.compose(f"app.{domain}", file, **PIECES.get(name, {}))
    if domain == "demo":  # the demo runs its files without their comment lines (they name parameters)
        sql = COMMENT_LINE.sub("", sql)
    if name not in SCRIPTS:  # one statement, run as it is (a comment line may end in ";")
        return [sql]
    return [s.strip() for s in sql.split(";\n") if s.strip()]


async def _plan(conn: AsyncConnection, statement: str) -> bool:
    """EXPLAIN the statement if it reads or writes (True), else run it."""
    clause = text(statement)
    nulls = {k: None for k in clause.compile().params}
    if PLANNED.match(COMMENT_LINE.sub("", statement)):
        await conn.execute(text(f"EXPLAIN {statement}"), nulls)
        return True
    await conn.execute(clause, nulls)
    return False


def test_every_file_is_planned_and_every_marker_has_pieces() -> None:
    files = _all_files()
    assert len(files) > 60
    assert sorted(n for g in _groups() for n in g) == files, "a chained script is missing or named twice"
    assert set(PIECES) <= set(files), f"pieces for no file: {set(PIECES) - set(files)}"
    for name in files:
        domain, file = name.split("/")
        given = set(PIECES.get(name, {}))
        assert sqlfiles.markers(sqlfiles.load(f"app.{domain}", file)) == given, name


@pytest.mark.parametrize("group", _groups(), ids=lambda g: g[-1])
async def test_sql_file_is_planned(engine: AsyncEngine, group: list[str]) -> None:
    async with engine.connect() as conn:
        trans = await conn.begin()
        try:
            for name in group:
                for statement in _statements(name):
                    try:
                        planned = await _plan(conn, statement)
                    except Exception as e:  # name the file and statement that failed
                        raise AssertionError(f"{name}.sql: {statement[:200]}…\n{e}") from e
                    assert planned or name in SCRIPTS or name in RUN, f"{name}.sql was run, not planned"
        finally:
            await trans.rollback()

"""Every query on hazards. Values are bound; the only text put together here is our own SQL.

Reads build their JSON in PostGIS and return it as text. Writes only flush: the request's
session (app.db) owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import overdue
from app.hazards.schemas import HazardFilter
from app.overdue import overdue_sql
from app.roads.chainage import chainage_sql
from app.sqlfiles import load, render

PKG = "app.hazards"


def geojson(column: str) -> str:
    """The GeoJSON geometry of ``column`` as stored (WGS84 lon/lat). 7 decimals of a degree is about 1 cm."""
    return f"ST_AsGeoJSON({column}, 7)::json"


def features_sql(geometry: str = geojson("h.geom")) -> str:
    """features.sql, ready to be given a WHERE over ``hazards h`` (app.hazards.provider composes
    it), with ``geometry`` as the feature's geometry."""
    return _features_sql(geometry=geometry)


@cache
def _features_sql(duplicates: str = "", geometry: str = geojson("h.geom")) -> str:
    chainage = chainage_sql("h.chainage_m", "h.end_chainage_m")
    return render(load(PKG, "features"), chainage=chainage, duplicates=duplicates, geometry=geometry)


# The reports merged into a hazard (status duplicate), for the one hazard asked for: its record
# links to them. A partial index on duplicate_of finds them.
_DUPLICATES = (
    "array(SELECT d.id FROM hazards d WHERE d.duplicate_of = h.id AND d.deleted_at IS NULL"
    " ORDER BY d.id) AS duplicates,"
)


@cache
def _one_sql() -> str:
    return render(load(PKG, "one"), features=_features_sql(_DUPLICATES))


# Each filter is a fixed clause over ``hazards h``; the values are bound.
_CLAUSES: dict[str, str] = {
    "county": "h.county_code = ANY(:county)",
    "township": "h.township_code = ANY(:township)",
    "zone": "h.zone_code = ANY(:zone)",
    "village": "h.village_code = ANY(:village)",
    "status": "h.status = ANY(:status)",
    "category": "h.category_code = ANY(:category)",
    "visibility": "h.visibility = ANY(:visibility)",
    "grade": "h.grade = ANY(:grade)",
    # `none`: on no known road (roads always have a group).
    "road_group": "(h.road_id IN (SELECT r.id FROM roads r WHERE r.layer_group = ANY(:road_group))"
    " OR (h.road_id IS NULL AND 'none' = ANY(:road_group)))",
    "road": "h.road_id IN (SELECT r.id FROM roads r WHERE r.code = ANY(:road))",
    "updated_since": "h.updated_at >= :updated_since",
    "reported_from": "h.reported_at >= :reported_from",
    "reported_to": "h.reported_at <= :reported_to",
    # 超期: the one definition (app.overdue), on today's date in Beijing.
    "overdue": f"{overdue_sql()} = :overdue",
    "supervised": "(h.supervision_level IS NOT NULL) = :supervised",
    # ST_Intersects is index-friendly by itself: PostGIS's support function adds
    # `h.geom && envelope` as the GiST index condition (EXPLAIN shows it as "Index Cond"), then
    # checks exactly (a segment whose box touches the envelope while the line does not is out;
    # && alone also lets in points up to ~1e-5° outside, the index's float4 rounding). Writing
    # the && out as well would make the planner count it twice and guess ~300 times too few rows.
    "bbox": "ST_Intersects(h.geom, ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326))",
}


def _where(kind: str, f: HazardFilter) -> tuple[str, dict[str, Any]]:
    clauses, params = filter_clauses(f)
    return " AND ".join(["h.kind = :kind", "h.deleted_at IS NULL", *clauses]), {"kind": kind, **params}


def filter_clauses(f: HazardFilter) -> tuple[list[str], dict[str, Any]]:
    """The clauses over ``hazards h`` of the filters given, with their bound values; the one
    definition of what each filter means, for the list, tiles, exports, grid counts and ledger."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if f.overdue is not None:
        params |= overdue.params()
    for name, clause in _CLAUSES.items():
        value = getattr(f, name)
        if value is None:
            continue
        clauses.append(clause)
        if name == "bbox":
            params.update(zip(("x1", "y1", "x2", "y2"), value, strict=True))
        else:
            params[name] = value
    return clauses, params


def filter_sql(kind: str, f: HazardFilter) -> tuple[str, dict[str, Any]]:
    """The list's WHERE over ``hazards h`` and its bound values, for the tiles and exports to reuse."""
    return _where(kind, f)


# A box at least this large (square degrees; 0.1 is some 30 × 35 km here, larger than a county's
# town and its surroundings) is listed like a broad filter: on 1,000,000 rows a box around the
# whole city took 0.33 s in two scans and 0.53 s gathered once; at 0.3° × 0.3° both took 0.10 s.
BROAD_BOX_DEG2 = 0.1


@cache
def _list_sql(where: str, broad: bool = False) -> str:
    """The list statement for these clauses: for a map box, the shape that finds the matches once
    (list_box.sql); for broad filters (``broad``, or no box), two scans (list.sql)."""
    sql = load(PKG, "list_box" if _CLAUSES["bbox"] in where and not broad else "list")
    return render(sql, where=where, features=_features_sql())


@dataclass(frozen=True)
class Page:
    matched: int
    returned: int
    features: str  # a JSON array, as PostGIS wrote it


# The filters hazard_counts counts by; a filter of these alone takes its number matched from there.
COUNTED_FILTERS = frozenset({"county", "status"})


def counted_sql(f: HazardFilter) -> str | None:
    """The WHERE over ``hazard_counts c`` that counts what ``f`` matches, if it filters on nothing else."""
    given = {name for name in HazardFilter.__dataclass_fields__ if getattr(f, name) is not None}
    if not given <= COUNTED_FILTERS:
        return None
    clauses = ["c.kind = :kind"]
    clauses += ["c.county_code = ANY(:county)"] if f.county is not None else []
    clauses += ["c.status = ANY(:status)"] if f.status is not None else []
    return " AND ".join(clauses)


@cache
def _counted_list_sql(where: str, counted: str) -> str:
    return render(load(PKG, "list_counted"), where=where, counted=counted, features=_features_sql())


async def list_features(session: AsyncSession, kind: str, f: HazardFilter, limit: int, offset: int) -> Page:
    where, params = _where(kind, f)
    broad = f.bbox is not None and (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]) >= BROAD_BOX_DEG2
    counted = counted_sql(f)
    sql = _list_sql(where, broad) if counted is None else _counted_list_sql(where, counted)
    values = {**params, **overdue.params(), "limit": limit, "offset": offset}
    row = (await session.execute(text(sql), values)).one()
    return Page(matched=row.number_matched, returned=row.number_returned, features=row.features)


@dataclass(frozen=True)
class UnknownCodes:
    county: list[str]
    township: list[str]
    category: list[str]
    road: list[str]
    counties: list[str]  # the valid county codes, for the message


async def unknown_codes(session: AsyncSession, f: HazardFilter) -> UnknownCodes:
    """The filter codes that name nothing in the database (one round trip for all of them)."""
    row = (
        await session.execute(
            text(
                """
                SELECT
                  array(SELECT x FROM unnest(CAST(:county AS text[])) x
                         WHERE NOT EXISTS (SELECT 1 FROM jurisdictions j
                                            WHERE j.code = x AND j.level = 'county')) AS county,
                  array(SELECT x FROM unnest(CAST(:township AS text[])) x
                         WHERE NOT EXISTS (SELECT 1 FROM jurisdictions j
                                            WHERE j.code = x AND j.level = 'township')) AS township,
                  array(SELECT x FROM unnest(CAST(:category AS text[])) x
                         WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.code = x)) AS category,
                  array(SELECT x FROM unnest(CAST(:road AS text[])) x
                         WHERE NOT EXISTS (SELECT 1 FROM roads r WHERE r.code = x)) AS road,
                  array(SELECT code FROM jurisdictions WHERE level = 'county' ORDER BY code) AS counties
                """
            ),
            {"county": f.county, "township": f.township, "category": f.category, "road": f.road},
        )
    ).one()
    return UnknownCodes(
        county=list(row.county),
        township=list(row.township),
        category=list(row.category),
        road=list(row.road),
        counties=list(row.counties),
    )


@dataclass(frozen=True)
class One:
    kind: str
    version: int
    deleted: bool
    feature: str


async def one_feature(session: AsyncSession, hazard_id: int) -> One | None:
    row = (await session.execute(text(_one_sql()), {"id": hazard_id, **overdue.params()})).one_or_none()
    if row is None:
        return None
    return One(kind=row.kind, version=row.version, deleted=row.deleted, feature=row.feature)


@dataclass(frozen=True)
class State:
    status: str
    deleted: bool


async def state(session: AsyncSession, hazard_id: int) -> State | None:
    row = (
        await session.execute(
            text("SELECT status, deleted_at IS NOT NULL AS deleted FROM hazards WHERE id = :id"),
            {"id": hazard_id},
        )
    ).one_or_none()
    return None if row is None else State(row.status, row.deleted)


@dataclass(frozen=True)
class Identity:
    kind: str
    ledger_no: str


async def identity(session: AsyncSession, hazard_id: int) -> Identity | None:
    row = (
        await session.execute(text("SELECT kind, ledger_no FROM hazards WHERE id = :id"), {"id": hazard_id})
    ).one_or_none()
    return None if row is None else Identity(row.kind, row.ledger_no)


@dataclass(frozen=True)
class Current:
    """The editable state of a hazard, locked for the rest of the transaction."""

    id: int
    kind: str
    version: int
    deleted: bool
    ledger_no: str
    county_code: str | None
    values: dict[str, Any]  # column → value, for the editable columns
    wkb: bytes
    # Where it lies along a road (linear referencing), kept in step with the geometry.
    road_id: int | None = None
    road_code: str | None = None
    chainage_m: float | None = None
    end_chainage_m: float | None = None


EDITABLE_COLUMNS = (
    "category_code",
    "visibility",
    "grade",
    "source",
    "status",
    "description",
    "address",
    "direction",
    "reported_at",
    "deadline",
)


# Derived from the geometry or the road (never set directly): the road and the chainage (桩号).
ROAD_COLUMNS = ("road_id", "chainage_m", "end_chainage_m")


async def lock(session: AsyncSession, hazard_id: int) -> Current | None:
    """The row as it is, locked (FOR UPDATE) so that the version checked is the version changed."""
    row = (
        (
            await session.execute(
                text(
                    f"SELECT id, kind, version, deleted_at IS NOT NULL AS deleted, ledger_no, county_code,"
                    f" ST_AsBinary(geom) AS wkb, {', '.join(EDITABLE_COLUMNS)}, road_id, chainage_m,"
                    " end_chainage_m, (SELECT r.code FROM roads r WHERE r.id = road_id) AS road_code"
                    " FROM hazards WHERE id = :id FOR UPDATE OF hazards"
                ),
                {"id": hazard_id},
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        return None
    return Current(
        id=row["id"],
        kind=row["kind"],
        version=row["version"],
        deleted=row["deleted"],
        ledger_no=row["ledger_no"],
        county_code=row["county_code"],
        values={c: row[c] for c in EDITABLE_COLUMNS},
        wkb=bytes(row["wkb"]),
        road_id=row["road_id"],
        road_code=row["road_code"],
        chainage_m=row["chainage_m"],
        end_chainage_m=row["end_chainage_m"],
    )


@dataclass(frozen=True)
class Category:
    code: str
    usual_visibility: str
    active: bool


async def category(session: AsyncSession, code: str) -> Category | None:
    row = (
        await session.execute(
            text("SELECT code, usual_visibility, active FROM categories WHERE code = :code"), {"code": code}
        )
    ).one_or_none()
    return None if row is None else Category(row.code, row.usual_visibility, row.active)


@dataclass(frozen=True)
class Place:
    outside_position: int | None  # 1-based vertex beyond the city's border tolerance
    outside_m: float | None
    county_code: str | None
    township_code: str | None


async def place(session: AsyncSession, wkb: bytes, city_code: str, tolerance_m: float) -> Place:
    row = (
        await session.execute(
            text(load(PKG, "place")), {"wkb": wkb, "city_code": city_code, "tolerance_m": tolerance_m}
        )
    ).one()
    return Place(
        outside_position=row.outside_position,
        outside_m=row.outside_m,
        county_code=row.county_code,
        township_code=row.township_code,
    )


async def set_actor(session: AsyncSession, actor: str) -> None:
    """Who acts, for the history trigger (transaction-local)."""
    await session.execute(text("SELECT set_config('hazardmap.actor', :actor, true)"), {"actor": actor})


async def lock_uid(session: AsyncSession, uid: str) -> None:
    """Serialise submissions of one uid, so that a retry racing its original cannot insert twice.

    (INSERT … ON CONFLICT DO NOTHING would not do: the trigger takes a ledger number first, and
    the conflict would leave a gap in the county's numbering.)
    """
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:uid, 0))"), {"uid": uid})


async def lock_duplicate_check(session: AsyncSession, category: str) -> None:
    """Serialise the duplicate checks of one category until commit, so that two reports of one
    hazard sent at the same moment cannot both pass the check and both be numbered."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended('hazardmap.duplicates:' || :category, 0))"),
        {"category": category},
    )


@dataclass(frozen=True)
class Created:
    """A hazard found by its uid, with the content it was created with (from its history)."""

    id: int
    kind: str
    deleted: bool
    changes: dict[str, Any]
    geometry_matches: bool


async def created_with_uid(session: AsyncSession, uid: str, wkb: bytes) -> Created | None:
    row = (
        await session.execute(
            text(
                """
                SELECT h.id, h.kind, h.deleted_at IS NOT NULL AS deleted, e.changes,
                       ST_AsGeoJSON(ST_GeomFromGeoJSON(e.changes->>'geom'), 7)
                         = ST_AsGeoJSON(ST_GeomFromWKB(:wkb, 4326), 7) AS geometry_matches
                  FROM hazards h
                  JOIN LATERAL (SELECT changes FROM hazard_events
                                 WHERE hazard_id = h.id ORDER BY id LIMIT 1) e ON true
                 WHERE h.uid = CAST(:uid AS uuid)
                """
            ),
            {"uid": uid, "wkb": wkb},
        )
    ).one_or_none()
    if row is None:
        return None
    return Created(row.id, row.kind, row.deleted, dict(row.changes), bool(row.geometry_matches))


@dataclass(frozen=True)
class NewHazard:
    uid: str | None
    kind: str
    category_code: str
    visibility: str
    grade: str
    source: str
    description: str
    address: str | None
    direction: int | None
    reported_at: datetime | None
    deadline: date | None
    wkb: bytes
    actor: str
    # Where the hazard lies along a road (linear referencing), when it was snapped to one.
    road_id: int | None = None
    chainage_m: float | None = None
    end_chainage_m: float | None = None


async def insert(session: AsyncSession, h: NewHazard) -> int:
    """The new row's id. County, township and ledger number come from the trigger hazards_assign."""
    row = (
        await session.execute(
            text(
                """
                INSERT INTO hazards (uid, kind, category_code, visibility, grade, source, description,
                                     address, status, direction, geom, reported_at, deadline, created_by,
                                     road_id, chainage_m, end_chainage_m)
                VALUES (coalesce(CAST(:uid AS uuid), gen_random_uuid()), :kind, :category_code,
                        :visibility, :grade, :source, :description, :address, 'reported', :direction,
                        ST_GeomFromWKB(:wkb, 4326), coalesce(:reported_at, now()), :deadline, :actor,
                        :road_id, :chainage_m, :end_chainage_m)
                RETURNING id
                """
            ),
            {
                "uid": h.uid,
                "kind": h.kind,
                "category_code": h.category_code,
                "visibility": h.visibility,
                "grade": h.grade,
                "source": h.source,
                "description": h.description,
                "address": h.address,
                "direction": h.direction,
                "wkb": h.wkb,
                "reported_at": h.reported_at,
                "deadline": h.deadline,
                "actor": h.actor,
                "road_id": h.road_id,
                "chainage_m": h.chainage_m,
                "end_chainage_m": h.end_chainage_m,
            },
        )
    ).one()
    return int(row.id)


async def update(
    session: AsyncSession,
    hazard_id: int,
    version: int,
    values: dict[str, Any],
    *,
    wkb: bytes | None,
    actor: str,
) -> int:
    """Apply the changed columns if the row is still at ``version``; the number of rows changed.

    ``values`` maps editable column names (EDITABLE_COLUMNS and the place columns) to new values.
    """
    allowed = {*EDITABLE_COLUMNS, "county_code", "township_code", *ROAD_COLUMNS}
    sets = []
    params: dict[str, Any] = {}
    for column, value in values.items():
        if column not in allowed:  # our own code decides the columns; guard the identifiers anyway
            raise ValueError(f"not an editable column: {column}")
        sets.append(f'"{column}" = :v_{column}')
        params[f"v_{column}"] = value
    if wkb is not None:
        sets.append("geom = ST_GeomFromWKB(:wkb, 4326)")
        params["wkb"] = wkb
    return await versioned_update(session, hazard_id, version, sets, params, actor)


async def soft_delete(session: AsyncSession, hazard_id: int, version: int, actor: str) -> int:
    return await versioned_update(session, hazard_id, version, ["deleted_at = now()"], {}, actor)


async def versioned_update(
    session: AsyncSession, hazard_id: int, version: int, sets: list[str], params: dict[str, Any], actor: str
) -> int:
    """The one UPDATE of a hazard: ``sets`` (assignments of our own code, values bound in ``params``)
    and ``updated_by``, if the row is still at ``version`` and not deleted. The rows changed, 0 or 1:
    0 means someone changed it first (the caller answers 412)."""
    result = await session.execute(
        text(
            f"UPDATE hazards SET {', '.join([*sets, 'updated_by = :actor'])}"
            " WHERE id = :id AND version = :version AND deleted_at IS NULL"
        ),
        {**params, "id": hazard_id, "version": version, "actor": actor},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def history(session: AsyncSession, hazard_id: int) -> str:
    return str((await session.execute(text(load(PKG, "history")), {"id": hazard_id})).scalar_one())


async def compact_counts(session: AsyncSession) -> int:
    """Fold hazard_counts' deltas into one row per group (the migration hazard_counts says why this
    is safe beside concurrent writers and another compaction); the rows it saved."""
    return int((await session.execute(text("SELECT hazard_counts_compact()"))).scalar_one())

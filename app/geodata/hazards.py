"""Import hazard points and accident-prone segments into the ledger.

The database assigns county, township and ledger number (trigger ``hazards_assign``) and
writes the history, so an imported row is numbered and recorded like any other.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.coords import Crs
from app.geodata.progress import NoProgress, ProgressSink
from app.geodata.reading import Table, read_table
from app.geodata.report import ImportReport
from app.geodata.staging import copy_rows, refusals, run_script
from app.hazards.validation import SELF_CROSSING
from app.settings import get_settings
from app.vocab import Grade, HazardKind, Labelled, Source, Status, Visibility

# created_by and the history's actor are 64 characters.
ACTOR_MAX = 64
# Most ledger rows come from field inspection (排查); a file without a source column means that.
DEFAULT_SOURCE = Source.inspection


@dataclass
class HazardImportOptions:
    """Field names in the file. ``None`` for an optional field means: use it if the file has it."""

    category_field: str = "category"
    grade_field: str = "grade"
    visibility_field: str | None = None
    source_field: str | None = None
    description_field: str | None = None
    address_field: str | None = None
    status_field: str | None = None
    # A client-made UUID per row makes a re-run of the same file refuse what it already loaded.
    uid_field: str | None = None
    crs: Crs = Crs.wgs84
    layer: str | None = None
    encoding: str | None = None
    lon_field: str | None = None
    lat_field: str | None = None

    def resolved(self, table: Table) -> dict[str, str | None]:
        """Every field, with the optional ones that were not named taken by their usual name."""
        optional = {
            "visibility_field": (self.visibility_field, "visibility"),
            "source_field": (self.source_field, "source"),
            "description_field": (self.description_field, "description"),
            "address_field": (self.address_field, "address"),
            "status_field": (self.status_field, "status"),
            "uid_field": (self.uid_field, "uid"),
        }
        fields: dict[str, str | None] = {
            "category_field": self.category_field,
            "grade_field": self.grade_field,
        }
        for option, (given, usual) in optional.items():
            fields[option] = given if given is not None else (usual if usual in table.fields else None)
        return fields


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    usual_visibility: str


def _vocabulary(enum: type[Labelled]) -> dict[str, str]:
    """Code, Chinese label and English label, all → the code (case-insensitive keys)."""
    out: dict[str, str] = {}
    for m in enum:
        for key in (m.value, m.zh, m.en):
            out[key.lower()] = m.value
    return out


VISIBILITY = _vocabulary(Visibility)
GRADE = _vocabulary(Grade)
SOURCE = _vocabulary(Source)
STATUS = _vocabulary(Status)


def _lookup(value: str, vocabulary: dict[str, str], what: str, default: str | None) -> str:
    """The code for ``value``, or raise ValueError with the refusal reason."""
    if not value:
        if default is None:
            raise ValueError(f"missing {what}")
        return default
    code = vocabulary.get(value.lower())
    if code is None:
        raise ValueError(f"unknown {what} {value!r}")
    return code


def _category(value: str, categories: dict[str, CategoryInfo]) -> CategoryInfo:
    """A category by code (``XL01``), Chinese name (``急弯``), or both (``XL01 急弯``)."""
    if not value:
        raise ValueError("missing category")
    for key in (value, value.split()[0], value.upper(), value.split()[0].upper()):
        if key in categories:
            return categories[key]
    raise ValueError(f"unknown category {value!r}")


def _kind_and_geometry(geom: Any) -> tuple[str, Any]:
    if geom is None or shapely.is_empty(geom):
        raise ValueError("empty geometry")
    kind = geom.geom_type
    if kind == "MultiPoint" and shapely.get_num_geometries(geom) == 1:
        geom = shapely.get_geometry(geom, 0)
    elif kind == "MultiLineString":
        merged = shapely.line_merge(geom)
        if merged.geom_type == "LineString":
            geom = merged
    if geom.geom_type == "Point":
        return HazardKind.point.value, geom
    if geom.geom_type == "LineString":
        if not geom.is_simple:
            raise ValueError(SELF_CROSSING)
        return HazardKind.segment.value, geom
    raise ValueError(f"wrong geometry type {kind} (expected a point or one connected line)")


def _uid(value: str, first_row: dict[uuid.UUID, int], row: int) -> uuid.UUID | None:
    if not value:
        return None
    try:
        uid = uuid.UUID(value)
    except ValueError:
        raise ValueError(f"uid {value!r} is not a UUID") from None
    if uid in first_row:
        raise ValueError(f"duplicate uid (also row {first_row[uid]})")
    first_row[uid] = row
    return uid


def stage_records(
    table: Table, fields: dict[str, str | None], categories: dict[str, CategoryInfo]
) -> list[tuple[Any, ...]]:
    cats = table.cells(fields["category_field"])
    grades = table.cells(fields["grade_field"])
    visibilities = table.cells(fields["visibility_field"])
    sources = table.cells(fields["source_field"])
    descriptions = table.cells(fields["description_field"])
    addresses = table.cells(fields["address_field"])
    statuses = table.cells(fields["status_field"])
    uids = table.cells(fields["uid_field"])
    first_row: dict[uuid.UUID, int] = {}
    records: list[tuple[Any, ...]] = []
    for i, geom in enumerate(table.geoms):
        try:
            uid = _uid(uids[i], first_row, i + 1)
            category = _category(cats[i], categories)
            row = (
                category.code,
                _lookup(visibilities[i], VISIBILITY, "visibility", category.usual_visibility),
                _lookup(grades[i], GRADE, "grade", None),
                _lookup(sources[i], SOURCE, "source", DEFAULT_SOURCE.value),
                descriptions[i],
                addresses[i],
                _lookup(statuses[i], STATUS, "status", Status.reported.value),
            )
            kind, geom = _kind_and_geometry(geom)
        except ValueError as exc:
            records.append((i + 1, None, None, None, None, None, None, None, None, None, None, str(exc)))
            continue
        records.append((i + 1, uid, kind, *row, shapely.to_wkb(geom), None))
    return records


_COLUMNS = (
    "row_no", "uid", "kind", "category_code", "visibility", "grade", "source", "description", "address",
    "status", "wkb", "reason",
)  # fmt: skip


async def load_categories(conn: AsyncConnection) -> dict[str, CategoryInfo]:
    rows = await conn.execute(text("SELECT code, name_zh, usual_visibility FROM categories WHERE active"))
    out: dict[str, CategoryInfo] = {}
    for r in rows:
        info = CategoryInfo(r.code, r.usual_visibility)
        out[r.code] = out[r.name_zh] = info
    return out


def actor_for(path: Path) -> str:
    return f"import:{path.name}"[:ACTOR_MAX]


async def import_hazards_into(
    conn: AsyncConnection, table: Table, options: HazardImportOptions, progress: ProgressSink | None = None
) -> ImportReport:
    """Stage, check and insert ``table`` within the caller's transaction."""
    progress = progress or NoProgress()
    settings = get_settings()
    report = ImportReport(kind="hazards", file=table.path.name)
    categories = await load_categories(conn)
    progress.stage("checking rows", total=len(table))
    records = stage_records(table, options.resolved(table), categories)
    progress.advance(len(table))
    await run_script(conn, "hazards_stage")
    await copy_rows(conn, "import_hazards", _COLUMNS, records, progress)
    progress.stage("checking geometries")
    await run_script(
        conn,
        "hazards_check",
        {"city_code": settings.city_code, "tolerance_m": settings.city_border_tolerance_m},
    )
    progress.stage("inserting (numbering each row)")
    await run_script(conn, "hazards_insert", {"actor": actor_for(table.path)})
    report.refused = await refusals(conn, "import_hazards")
    report.loaded = len(records) - len(report.refused)
    return report


async def import_hazards(
    engine: AsyncEngine, path: Path, options: HazardImportOptions, progress: ProgressSink | None = None
) -> ImportReport:
    """Import a hazard file in one transaction; a file that cannot be used raises ``BadFile``."""
    progress = progress or NoProgress()
    progress.stage(f"reading {path.name}")
    table = await asyncio.to_thread(
        read_table,
        path,
        options.crs,
        layer=options.layer,
        encoding=options.encoding,
        lon_field=options.lon_field,
        lat_field=options.lat_field,
    )
    table.require(**options.resolved(table))
    async with engine.begin() as conn:
        return await import_hazards_into(conn, table, options, progress)

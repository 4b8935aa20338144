"""Import administrative units (outlines or seat points) into ``jurisdictions``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.coords import Crs
from app.errors import invalid
from app.geodata import repository as geodata_repository
from app.geodata.progress import NoProgress, ProgressSink
from app.geodata.reading import Table, read_table
from app.geodata.report import ImportReport
from app.geodata.staging import copy_rows, refusals, run_script
from app.jurisdictions import repository as jurisdictions_repository
from app.settings import get_settings
from app.vocab import JurisdictionLevel

# The 2016 sources still use 茌平县's old code; it became 茌平区 (371503) in 2019.
RENAMED_CODES = {"371523": "371503"}

_POLYGON_TYPES = (3, 6)  # shapely type ids: Polygon, MultiPolygon
_POINT = 0
_MULTIPOINT = 4


@dataclass
class BoundaryImportOptions:
    level: JurisdictionLevel
    code_field: str
    name_field: str
    parent_field: str | None = None
    # A fixed parent for every row (e.g. all townships of one county); used when no parent field.
    parent: str | None = None
    crs: Crs = Crs.wgs84
    layer: str | None = None
    encoding: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if self.parent_field and self.parent:
            raise invalid("parent", "give either a parent field or a fixed parent, not both")


def current_code(code: str) -> str:
    return RENAMED_CODES.get(code, code)


def stage_records(table: Table, options: BoundaryImportOptions) -> list[tuple[Any, ...]]:
    codes = table.cells(options.code_field)
    names = table.cells(options.name_field)
    parents = table.cells(options.parent_field)
    types = shapely.get_type_id(table.geoms)
    first_row: dict[str, int] = {}
    records = []
    for i, geom in enumerate(table.geoms):
        row = i + 1
        reason: str | None = None
        code = current_code(codes[i])
        parent = current_code(parents[i] if options.parent_field else (options.parent or ""))
        is_outline = False
        if not code:
            reason = "missing code"
        elif code in first_row:
            reason = f"duplicate code {code} (also row {first_row[code]})"
        elif not names[i]:
            reason = "missing name"
        elif options.level is not JurisdictionLevel.city and not parent:
            reason = "missing parent code"
        elif parent == code:
            reason = "a unit cannot be its own parent"
        elif geom is None or shapely.is_empty(geom):
            reason = "empty geometry"
        elif types[i] in _POLYGON_TYPES:
            is_outline = True
        elif types[i] == _MULTIPOINT and shapely.get_num_geometries(geom) == 1:
            geom = shapely.get_geometry(geom, 0)
        elif types[i] != _POINT:
            reason = f"wrong geometry type {geom.geom_type} (expected a polygon or a point)"
        if code and code not in first_row:
            first_row[code] = row
        wkb = shapely.to_wkb(geom) if reason is None else None
        records.append((row, code, names[i], parent or None, is_outline, wkb, reason))
    return records


_COLUMNS = ("row_no", "code", "name", "parent_code", "is_outline", "wkb", "reason")


async def import_boundaries_into(
    conn: AsyncConnection,
    table: Table,
    options: BoundaryImportOptions,
    progress: ProgressSink | None = None,
) -> ImportReport:
    """Stage, check and upsert ``table`` within the caller's transaction."""
    progress = progress or NoProgress()
    settings = get_settings()
    report = ImportReport(kind="boundaries", file=table.path.name)
    progress.stage("checking rows", total=len(table))
    records = stage_records(table, options)
    progress.advance(len(table))
    await run_script(conn, "boundaries_stage")
    await copy_rows(conn, "import_boundaries", _COLUMNS, records, progress)
    progress.stage("checking geometries")
    params = {
        "level": options.level.value,
        "city_code": settings.city_code,
        "tolerance_m": settings.city_border_tolerance_m,
        "source": options.source or f"import:{table.path.name}",
    }
    await run_script(conn, "boundaries_check", params)
    progress.stage("writing")
    inserted = await geodata_repository.upsert_boundaries(conn, str(params["level"]), str(params["source"]))
    report.details = {"inserted": sum(inserted), "updated": len(inserted) - sum(inserted)}
    if options.level in (JurisdictionLevel.zone, JurisdictionLevel.village) and inserted:
        # A hazard in a zone belongs to its county and to the zone; a village is its third level.
        progress.stage("placing hazards in zones and villages")
        moved = await jurisdictions_repository.reassign_zone_village(conn, str(params["source"]))
        report.details["hazards placed in a zone or village again"] = moved
    report.refused = await refusals(conn, "import_boundaries")
    report.loaded = len(inserted)
    return report


async def import_boundaries(
    engine: AsyncEngine, path: Path, options: BoundaryImportOptions, progress: ProgressSink | None = None
) -> ImportReport:
    """Import a boundary file in one transaction; a file that cannot be used raises ``BadFile``."""
    progress = progress or NoProgress()
    progress.stage(f"reading {path.name}")
    table = await asyncio.to_thread(
        read_table, path, options.crs, layer=options.layer, encoding=options.encoding
    )
    table.require(
        code_field=options.code_field, name_field=options.name_field, parent_field=options.parent_field
    )
    async with engine.begin() as conn:
        return await import_boundaries_into(conn, table, options, progress)

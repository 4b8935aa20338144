"""Import a road network (Shapefile, .zip, GeoPackage, GeoJSON) into ``roads``."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.coords import Crs
from app.errors import invalid
from app.geodata.progress import NoProgress, ProgressSink
from app.geodata.reading import Table, parse_chainage_m, read_table
from app.geodata.report import ImportReport
from app.geodata.staging import copy_rows, refusals, run_script
from app.settings import get_settings
from app.vocab import RoadClass

LINE_TYPES = ("LineString", "MultiLineString")

# What a class column usually holds besides our codes: the Chinese names and short forms.
BUILTIN_CLASS_NAMES: dict[str, RoadClass] = {
    **{c.value: c for c in RoadClass},
    **{c.zh: c for c in RoadClass},
    "高速": RoadClass.expressway,
    "国道": RoadClass.national,
    "普通国道": RoadClass.national,
    "省道": RoadClass.provincial,
    "普通省道": RoadClass.provincial,
    "县道": RoadClass.county,
    "乡道": RoadClass.township,
    "村道": RoadClass.village,
}

# GB/T 917-2017: expressways are G/S + 1–2 digits, or 4 digits (links, rings); ordinary roads
# are a letter + 3 digits.
_EXPRESSWAY_CODE = re.compile(r"^[GS](\d{1,2}|\d{4})$")
_ORDINARY_CODE = {"G": RoadClass.national, "S": RoadClass.provincial, "X": RoadClass.county,
                  "Y": RoadClass.township, "C": RoadClass.village}  # fmt: skip


def class_from_code(code: str) -> RoadClass | None:
    """The class a route code implies under GB/T 917 (``G20`` expressway, ``G309`` national…)."""
    c = code.strip().upper()
    if _EXPRESSWAY_CODE.match(c):
        return RoadClass.expressway
    if re.match(r"^[GSXYC]\d{3}$", c):
        return _ORDINARY_CODE[c[0]]
    return None


def parse_class_map(text: str) -> dict[str, RoadClass]:
    """``'G=national,高速=expressway'`` → {value in the file: class}."""
    mapping: dict[str, RoadClass] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise invalid("class-map", f"{part!r} is not VALUE=CLASS")
        try:
            mapping[key.strip().lower()] = RoadClass(value.strip())
        except ValueError:
            raise invalid(
                "class-map", f"{value.strip()!r} is not a road class ({', '.join(RoadClass.codes())})"
            ) from None
    return mapping


@dataclass
class RoadImportOptions:
    code_field: str
    name_field: str | None = None
    # None: the class follows from the route code (GB/T 917).
    class_field: str | None = None
    start_chainage_field: str | None = None
    class_map: dict[str, RoadClass] = field(default_factory=dict)
    crs: Crs = Crs.wgs84
    layer: str | None = None
    encoding: str | None = None
    schematic: bool = False
    source: str | None = None


def _resolve_class(raw: str, code: str, options: RoadImportOptions) -> RoadClass | str:
    """The road class, or the reason there is none."""
    if options.class_field is None:
        cls = options.class_map.get(code[:1].lower()) or class_from_code(code)
        return cls if cls is not None else f"cannot tell the class from the code {code!r}"
    if not raw:
        return "missing class"
    key = raw.lower()
    cls = options.class_map.get(key) or BUILTIN_CLASS_NAMES.get(key) or BUILTIN_CLASS_NAMES.get(raw)
    return cls if cls is not None else f"unknown class {raw!r}"


def stage_records(table: Table, options: RoadImportOptions) -> list[tuple[Any, ...]]:
    """One staging record per row; the reason is set here for what Python can tell on its own."""
    codes = table.cells(options.code_field)
    names = table.cells(options.name_field)
    classes = table.cells(options.class_field)
    chainages = table.cells(options.start_chainage_field)
    types = shapely.get_type_id(table.geoms)
    records = []
    for i, geom in enumerate(table.geoms):
        reason: str | None = None
        code = codes[i]
        road_class: str | None = None
        chainage = 0.0
        if not code:
            reason = "missing code"
        else:
            cls = _resolve_class(classes[i], code, options)
            if isinstance(cls, RoadClass):
                road_class = cls.value
            else:
                reason = cls
        if reason is None and chainages[i]:
            try:
                chainage = parse_chainage_m(chainages[i])
            except ValueError:
                reason = f"start chainage {chainages[i]!r} is not a number or a K…+… chainage"
            else:
                if chainage < 0:
                    reason = "negative start chainage"
        if reason is None:
            if geom is None or shapely.is_empty(geom):
                reason = "empty geometry"
            elif types[i] not in (1, 5):  # LineString, MultiLineString
                reason = f"wrong geometry type {geom.geom_type} (expected a line)"
        wkb = shapely.to_wkb(geom) if reason is None else None
        records.append((i + 1, code, names[i], road_class, chainage, wkb, reason))
    return records


_COLUMNS = ("row_no", "code", "name", "road_class", "start_chainage_m", "wkb", "reason")


async def import_roads_into(
    conn: AsyncConnection, table: Table, options: RoadImportOptions, progress: ProgressSink | None = None
) -> ImportReport:
    """Stage, check and insert ``table`` within the caller's transaction."""
    progress = progress or NoProgress()
    settings = get_settings()
    report = ImportReport(kind="roads", file=table.path.name)
    progress.stage("checking rows", total=len(table))
    records = stage_records(table, options)
    progress.advance(len(table))
    await run_script(conn, "roads_stage")
    await copy_rows(conn, "import_roads", _COLUMNS, records, progress)
    progress.stage("checking geometries")
    await run_script(
        conn,
        "roads_check",
        {"city_code": settings.city_code, "tolerance_m": settings.city_border_tolerance_m},
    )
    progress.stage("inserting")
    source = options.source or f"import:{table.path.name}"
    await run_script(conn, "roads_insert", {"schematic": options.schematic, "source": source})
    report.refused = await refusals(conn, "import_roads")
    report.loaded = len(records) - len(report.refused)
    return report


async def import_roads(
    engine: AsyncEngine, path: Path, options: RoadImportOptions, progress: ProgressSink | None = None
) -> ImportReport:
    """Import a road file in one transaction; a file that cannot be used raises ``BadFile``."""
    progress = progress or NoProgress()
    progress.stage(f"reading {path.name}")
    table = await asyncio.to_thread(
        read_table, path, options.crs, layer=options.layer, encoding=options.encoding
    )
    table.require(
        code_field=options.code_field,
        name_field=options.name_field,
        class_field=options.class_field,
        start_chainage_field=options.start_chainage_field,
    )
    async with engine.begin() as conn:
        return await import_roads_into(conn, table, options, progress)

"""Import crash records (事故) from CSV, XLSX or a vector file, in one transaction.

A row is located by road + chainage (the 桩号 the police record) when it has them, else by
lon/lat, snapped to the nearest road within the snapping distance like a hazard pin (farther
away it is kept, off the network). Rows that cannot be used are refused with their reason; the
others are loaded. Only the columns below are read: whatever else the file holds (names, ID
numbers, plates, phone numbers) is never stored, and the report names the columns left out.
"""

from __future__ import annotations

import asyncio
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import sqlfiles
from app.clock import BEIJING
from app.coords import Crs, to_wgs84
from app.crashes import repository
from app.crashes.vocab import Procedure
from app.errors import InvalidInput
from app.geodata.progress import NoProgress, ProgressSink
from app.geodata.reading import LAT_CANDIDATES, LON_CANDIDATES, bad_file, cell, read_table
from app.geodata.report import Refusal
from app.geodata.staging import copy_rows, refusals
from app.roads.chainage import chainage_sql, parse_chainage
from app.roads.linear import END_TOLERANCE_M
from app.settings import get_settings

PKG = "app.crashes"
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
TABLE_SUFFIXES = (".csv", ".xlsx")

# Our field → the column names it is found under (compared case-insensitively).
COLUMNS: dict[str, tuple[str, ...]] = {
    "occurred_at": ("occurred_at", "time", "datetime", "date_time", "事故时间", "发生时间", "时间"),
    "lon": LON_CANDIDATES,
    "lat": LAT_CANDIDATES,
    "road": ("road", "road_code", "道路编号", "路线编号", "公路编号", "道路代码"),
    "chainage": ("chainage", "桩号", "stake"),
    "chainage_m": ("chainage_m",),
    "deaths": ("deaths", "死亡人数", "死亡"),
    "injuries": ("injuries", "受伤人数", "受伤"),
    "procedure": ("procedure", "处理程序", "适用程序", "程序"),
    "crash_type": ("crash_type", "type", "事故形态", "事故类型"),
    "source_ref": ("source_ref", "ref", "crash_id", "事故编号"),
}
PROCEDURES = {
    **{p.value: p.value for p in Procedure},
    **{p.zh: p.value for p in Procedure},
    "简易": Procedure.simple.value,
    "一般": Procedure.ordinary.value,
}
CRASH_TYPE_MAX = 32
# Anything earlier is a misread cell, not a crash record anyone keeps.
EARLIEST_YEAR = 1990
SOURCE_REF_MAX = 64


@dataclass
class CrashImport:
    """What an import did; ``ignored_columns`` were in the file and deliberately not read."""

    file: str
    loaded: int = 0
    on_road: int = 0
    off_road: int = 0
    refused: list[Refusal] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (
            f"loaded {self.loaded} ({self.on_road} on a road, {self.off_road} off the network), "
            f"refused {len(self.refused)}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "loaded": self.loaded,
            "on_road": self.on_road,
            "off_road": self.off_road,
            "refused": [r.as_dict() for r in self.refused],
            "ignored_columns": self.ignored_columns,
        }


@dataclass
class CrashTable:
    """The rows as read: attribute cells, and a WGS84 point per row where the file had one."""

    path: Path
    frame: pd.DataFrame
    points: NDArray[Any]  # object array of shapely points or None
    columns: dict[str, str]  # our field → the file's column

    def cells(self, name: str) -> list[Any]:
        column = self.columns.get(name)
        if column is None:
            return [None] * len(self.frame)
        return list(self.frame[column].tolist())


def _key(name: Any) -> str:
    return unicodedata.normalize("NFKC", str(name)).strip().lower()


def _map_columns(frame: pd.DataFrame) -> dict[str, str]:
    by_key = {_key(c): str(c) for c in frame.columns}
    found: dict[str, str] = {}
    for ours, names in COLUMNS.items():
        for name in names:
            if _key(name) in by_key:
                found[ours] = by_key[_key(name)]
                break
    return found


def _read_frame(path: Path, encoding: str | None) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        try:
            return pd.read_excel(path, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl's errors share no useful base; all mean "unreadable"
            raise bad_file(path, f"cannot read it as XLSX: {exc}") from exc
    # Excel writes UTF-8 with a BOM, or GBK on a Chinese Windows; try both unless told.
    for enc in [encoding] if encoding else ["utf-8-sig", "gb18030"]:
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
        except UnicodeDecodeError:
            continue
        except Exception as exc:
            raise bad_file(path, f"cannot read it as CSV: {exc}") from exc
    raise bad_file(path, "cannot decode it as UTF-8 or GBK; give --encoding")


def read_crash_file(
    path: Path, crs: Crs = Crs.wgs84, *, layer: str | None = None, encoding: str | None = None
) -> CrashTable:
    """Read the file; refuse it as a whole (``BadFile``) when it cannot be used at all."""
    if not path.exists():
        raise bad_file(path, "no such file")
    suffix = path.suffix.lower()
    if suffix in VECTOR_SUFFIXES:
        table = read_table(path, crs, layer=layer, encoding=encoding)
        frame, points = table.frame, table.geoms
        columns = _map_columns(frame)
    elif suffix in TABLE_SUFFIXES:
        frame = _read_frame(path, encoding)
        columns = _map_columns(frame)
        points = np.full(len(frame), None, dtype=object)
        if "lon" in columns and "lat" in columns:
            xs = pd.to_numeric(frame[columns["lon"]], errors="coerce").to_numpy(dtype=float)
            ys = pd.to_numeric(frame[columns["lat"]], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(xs) & np.isfinite(ys)
            points[ok] = to_wgs84(shapely.points(xs[ok], ys[ok]), crs)
    else:
        formats = ", ".join(TABLE_SUFFIXES + VECTOR_SUFFIXES)
        raise bad_file(path, f"unsupported file type {suffix or '(none)'}; use {formats}")
    if len(frame) == 0:
        raise bad_file(path, "the file has no rows")
    if "occurred_at" not in columns:
        raise bad_file(path, f"no time column (tried {', '.join(COLUMNS['occurred_at'])})")
    has_lonlat = suffix in VECTOR_SUFFIXES or {"lon", "lat"} <= columns.keys()
    has_chainage = "road" in columns and ("chainage" in columns or "chainage_m" in columns)
    if not (has_lonlat or has_chainage or "chainage" in columns):
        raise bad_file(path, "no location: give lon/lat columns, or road and chainage (桩号) columns")
    return CrashTable(path=path, frame=frame, points=points, columns=columns)


def _time(value: Any, now: datetime) -> datetime:
    text_value = cell(value) if not isinstance(value, datetime) else value
    if text_value == "" or text_value is None:
        raise ValueError("missing time")
    if isinstance(value, int | float | np.number):
        # pandas would read a bare number as nanoseconds since 1970 (an Excel cell kept as a number).
        raise ValueError(f"time {text_value} is a number, not a date and time")
    try:
        t = pd.Timestamp(text_value)
    except (ValueError, TypeError):
        raise ValueError(f"unreadable time {text_value!r} (expected e.g. 2024-03-05 14:20)") from None
    if pd.isna(t):
        raise ValueError("missing time")
    # A time without a zone is Beijing time, as every police record is.
    out = t.to_pydatetime()
    out = out.replace(tzinfo=BEIJING) if out.tzinfo is None else out
    if out > now + timedelta(minutes=10):
        raise ValueError(f"time {text_value} is in the future")
    if out.year < EARLIEST_YEAR:
        raise ValueError(f"time {text_value} is before {EARLIEST_YEAR}: check the time column")
    return out


def _count(value: Any, what: str) -> int:
    s = cell(value)
    if s == "":
        return 0
    try:
        f = float(s)
    except ValueError:
        raise ValueError(f"{what} {s!r} is not a number") from None
    if not (math.isfinite(f) and f >= 0 and f.is_integer()):
        raise ValueError(f"{what} {s!r} is not a whole number of people")
    return int(f)


def _procedure(value: Any, deaths: int) -> str:
    s = cell(value)
    if s == "":
        # A crash with a death is always handled under the ordinary procedure (一般程序).
        if deaths > 0:
            return Procedure.ordinary.value
        raise ValueError("missing procedure (simple/简易 or ordinary/一般)")
    code = PROCEDURES.get(s.lower()) or PROCEDURES.get(s)
    if code is None:
        raise ValueError(f"unknown procedure {s!r} (simple/简易 or ordinary/一般)")
    return code


def _location(
    road: Any, chainage: Any, chainage_m: Any, point: Any
) -> tuple[str | None, float | None, float | None, float | None]:
    """(road code, chainage m) when the row has them, else (lon, lat); ValueError when neither."""
    road_code = cell(road).upper() or None
    written = cell(chainage)
    if written:
        try:
            parsed = parse_chainage(written)
        except InvalidInput as exc:
            raise ValueError(exc.errors[0].message if exc.errors else str(exc)) from None
        if parsed.is_range:
            raise ValueError(f"chainage {written!r} is a range; a crash happens at one chainage")
        if parsed.road_code and road_code and parsed.road_code != road_code:
            raise ValueError(
                f"chainage {written!r} names road {parsed.road_code}, the road column {road_code}"
            )
        road_code = road_code or parsed.road_code
        if road_code is None:
            raise ValueError(f"chainage {written!r} without a road code")
        return road_code, parsed.start_m, None, None
    metres = cell(chainage_m)
    if road_code and metres:
        try:
            m = float(metres)
        except ValueError:
            raise ValueError(f"chainage_m {metres!r} is not a number") from None
        if not (math.isfinite(m) and m >= 0):
            raise ValueError(f"chainage_m {metres!r} is not a chainage")
        return road_code, m, None, None
    if point is not None and not shapely.is_empty(point):
        if point.geom_type != "Point":
            raise ValueError(f"wrong geometry type {point.geom_type} (a crash is a point)")
        return None, None, point.x, point.y
    raise ValueError("no location: neither lon/lat nor road + chainage")


def stage_records(table: CrashTable, now: datetime) -> list[tuple[Any, ...]]:
    times = table.cells("occurred_at")
    roads, chainages, metres = table.cells("road"), table.cells("chainage"), table.cells("chainage_m")
    deaths_, injuries_ = table.cells("deaths"), table.cells("injuries")
    procedures, types, refs = table.cells("procedure"), table.cells("crash_type"), table.cells("source_ref")
    records: list[tuple[Any, ...]] = []
    for i in range(len(table.frame)):
        try:
            occurred_at = _time(times[i], now)
            road_code, chainage_m, lon, lat = _location(roads[i], chainages[i], metres[i], table.points[i])
            deaths = _count(deaths_[i], "deaths")
            injuries = _count(injuries_[i], "injuries")
            procedure = _procedure(procedures[i], deaths)
            crash_type = cell(types[i]) or None
            if crash_type and len(crash_type) > CRASH_TYPE_MAX:
                raise ValueError(f"crash type longer than {CRASH_TYPE_MAX} characters")
            ref = cell(refs[i]) or None
            if ref and len(ref) > SOURCE_REF_MAX:
                raise ValueError(f"ref longer than {SOURCE_REF_MAX} characters")
        except ValueError as exc:
            records.append((i + 1, *([None] * 10), str(exc)))
            continue
        records.append(
            (i + 1, occurred_at, lon, lat, road_code, chainage_m, deaths, injuries, procedure,
             crash_type, ref, None)
        )  # fmt: skip
    return records


_COLUMNS = (
    "row_no", "occurred_at", "lon", "lat", "road_code", "chainage_m", "deaths", "injuries",
    "procedure", "crash_type", "source_ref", "reason",
)  # fmt: skip


async def import_crashes_into(
    conn: AsyncConnection, table: CrashTable, progress: ProgressSink | None = None
) -> CrashImport:
    """Stage, check, locate and insert ``table`` within the caller's transaction."""
    progress = progress or NoProgress()
    s = get_settings()
    report = CrashImport(file=table.path.name)
    used = set(table.columns.values())
    report.ignored_columns = [str(c) for c in table.frame.columns if str(c) not in used and c != "geometry"]
    progress.stage("checking rows", total=len(table.frame))
    records = stage_records(table, datetime.now(BEIJING))
    progress.advance(len(table.frame))
    await sqlfiles.run_script(conn, PKG, "import_stage")
    await copy_rows(conn, "import_crashes", _COLUMNS, records, progress)
    progress.stage("locating on the road network")
    await sqlfiles.run_script(
        conn,
        PKG,
        "import_check",
        {
            "tolerance": END_TOLERANCE_M,
            "city_code": s.city_code,
            "border_m": s.city_border_tolerance_m,
            "snap_m": s.snap_distance_m,
            "srid": s.metric_srid,
        },
        chainage=chainage_sql("i.chainage_m"),
    )
    progress.stage("inserting")
    await sqlfiles.run_script(conn, PKG, "import_insert", {"source_file": table.path.name})
    report.refused = await refusals(conn, "import_crashes")
    report.on_road, report.off_road = await repository.staged_counts(conn)
    report.loaded = report.on_road + report.off_road
    return report


async def import_crashes(
    engine: AsyncEngine,
    path: Path,
    crs: Crs = Crs.wgs84,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    progress: ProgressSink | None = None,
) -> CrashImport:
    """Import a crash file in one transaction; a file that cannot be used raises ``BadFile``."""
    progress = progress or NoProgress()
    progress.stage(f"reading {path.name}")
    table = await asyncio.to_thread(read_crash_file, path, crs, layer=layer, encoding=encoding)
    async with engine.begin() as conn:
        return await import_crashes_into(conn, table, progress)

"""Reading an upload into rows: our fields by the mapping, and a WGS84 geometry where the file has one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from app.coords import Crs, to_wgs84
from app.errors import FieldError
from app.geodata.reading import LAT_CANDIDATES, LON_CANDIDATES, BadFile, bad_file, read_table


class ImportFormat(StrEnum):
    geojson = "geojson"
    geojsonseq = "geojsonseq"
    gpkg = "gpkg"
    shapefile = "shapefile"  # a .zip holding .shp, .dbf, .shx (.prj, .cpg)
    csv = "csv"
    xlsx = "xlsx"


# The suffix the spooled file gets, so that GDAL picks the right driver.
SUFFIX = {
    ImportFormat.geojson: ".geojson",
    ImportFormat.geojsonseq: ".geojsons",
    ImportFormat.gpkg: ".gpkg",
    ImportFormat.shapefile: ".zip",
    ImportFormat.csv: ".csv",
    ImportFormat.xlsx: ".xlsx",
}
BY_SUFFIX = {
    ".geojson": ImportFormat.geojson,
    ".json": ImportFormat.geojson,
    ".geojsonl": ImportFormat.geojsonseq,
    ".geojsons": ImportFormat.geojsonseq,
    ".geojsonseq": ImportFormat.geojsonseq,
    ".jsonl": ImportFormat.geojsonseq,
    ".gpkg": ImportFormat.gpkg,
    ".zip": ImportFormat.shapefile,
    ".csv": ImportFormat.csv,
    ".xlsx": ImportFormat.xlsx,
}


class Field(StrEnum):
    """Our fields, the targets of a mapping (file column → field)."""

    lon = "lon"
    lat = "lat"
    road_code = "road_code"
    chainage = "chainage"  # K516+600 (a point) or K516+600-K517+200 (a segment), may start with G309
    category = "category"
    grade = "grade"
    visibility = "visibility"
    source = "source"
    description = "description"
    address = "address"
    status = "status"
    uid = "uid"
    reported_at = "reported_at"
    deadline = "deadline"
    claim_name = "claim_name"
    claim_post = "claim_post"
    claim_unit = "claim_unit"
    claimed_at = "claimed_at"
    measures = "measures"
    rectified_by = "rectified_by"
    rectified_at = "rectified_at"
    verifier = "verifier"
    closed_at = "closed_at"


# A column is taken for a field without a mapping when it bears one of these names.
USUAL_NAMES: dict[Field, tuple[str, ...]] = {
    Field.lon: LON_CANDIDATES,
    Field.lat: LAT_CANDIDATES,
    Field.road_code: ("road_code", "road", "道路编号", "路线编号"),
    Field.chainage: ("chainage", "桩号"),
    Field.category: ("category", "隐患类别", "类别"),
    Field.grade: ("grade", "隐患等级", "等级"),
}


def _bad(display: str, message: str, field_name: str = "mapping") -> BadFile:
    return BadFile(detail=f"{display}: {message}", errors=[FieldError(field_name, message)])


def infer_format(file_name: str) -> ImportFormat | None:
    return BY_SUFFIX.get(Path(file_name).suffix.lower())


@dataclass
class Rows:
    """The file's rows: one text-or-value column per mapped field, geometries in WGS84 (or None)."""

    file_name: str
    columns: dict[Field, list[Any]]
    geoms: NDArray[Any]
    column_of: dict[Field, str]  # the file's column of each mapped field, to name it in a refusal

    def __len__(self) -> int:
        return len(self.geoms)

    def cells(self, f: Field) -> list[Any]:
        return self.columns.get(f) or [None] * len(self)


def _frame_of_table(path: Path, fmt: ImportFormat, display: str) -> pd.DataFrame:
    named = path.with_name(display)
    try:
        if fmt is ImportFormat.xlsx:
            return pd.read_excel(path, dtype=object, engine="openpyxl")
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
            except UnicodeDecodeError:
                continue
    except pd.errors.EmptyDataError:
        raise bad_file(named, "the file is empty") from None
    except Exception as exc:  # openpyxl and the CSV parser share no useful base; all mean "unreadable"
        raise bad_file(named, f"cannot read it as {fmt.value.upper()}: {exc}") from exc
    raise bad_file(named, "cannot decode it as UTF-8 or GBK")


def _mapped(frame: pd.DataFrame, mapping: dict[str, str], display: str) -> dict[Field, str]:
    """Our field → the file's column: the mapping first, then the usual names."""
    columns = [str(c) for c in frame.columns]
    missing = [c for c in mapping if c not in columns]
    if missing:
        raise _bad(
            display,
            f"the mapping names column(s) {', '.join(map(repr, missing))} that the file does not have "
            f"(columns: {', '.join(columns) or 'none'})",
        )
    found: dict[Field, str] = {Field(ours): theirs for theirs, ours in mapping.items()}
    by_lower = {c.strip().lower(): c for c in columns}
    for f in Field:
        if f in found:
            continue
        for name in (f.value, *USUAL_NAMES.get(f, ())):
            if name.lower() in by_lower and by_lower[name.lower()] not in mapping:
                found[f] = by_lower[name.lower()]
                break
    return found


def read_rows(path: Path, fmt: ImportFormat, crs: Crs, mapping: dict[str, str], display: str) -> Rows:
    """Read the spooled file ``path`` (shown to people as ``display``); ``BadFile`` when unusable."""
    if fmt in (ImportFormat.csv, ImportFormat.xlsx):
        frame = _frame_of_table(path, fmt, display)
        geoms = np.full(len(frame), None, dtype=object)
    else:
        try:
            table = read_table(path, crs)
        except BadFile as exc:
            # GDAL names the spooled file: show the uploaded one, and no folder of the server.
            def shown(message: str) -> str:
                message = message.split("; It might help")[0]  # GDAL's hint about driver prefixes
                return message.replace("/vsizip/", "").replace(str(path), display).replace(path.name, display)

            exc.detail = shown(exc.detail)
            for e in exc.errors:
                e.message = shown(e.message)
            raise
        frame, geoms = table.frame, table.geoms
    if len(frame) == 0:
        raise bad_file(Path(display), "the file has no rows")
    fields = _mapped(frame, mapping, display)
    if fmt in (ImportFormat.csv, ImportFormat.xlsx) and Field.lon in fields and Field.lat in fields:
        xs = pd.to_numeric(frame[fields[Field.lon]], errors="coerce").to_numpy(dtype=float)
        ys = pd.to_numeric(frame[fields[Field.lat]], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(xs) & np.isfinite(ys)
        geoms[ok] = to_wgs84(shapely.points(xs[ok], ys[ok]), crs)
    has_geometry = bool((~shapely.is_missing(geoms)).any()) or fmt not in (
        ImportFormat.csv,
        ImportFormat.xlsx,
    )
    if not has_geometry and Field.chainage not in fields:
        raise _bad(
            display,
            "no location: map lon/lat columns, or a chainage (桩号) column with a road code "
            f"(columns: {', '.join(map(str, frame.columns))})",
        )
    if Field.category not in fields:
        raise _bad(
            display,
            f"no category column: map one to 'category' (columns: {', '.join(map(str, frame.columns))})",
        )
    columns: dict[Field, list[Any]] = {
        f: frame[col].tolist() for f, col in fields.items() if f not in (Field.lon, Field.lat)
    }
    return Rows(file_name=display, columns=columns, geoms=geoms, column_of=fields)

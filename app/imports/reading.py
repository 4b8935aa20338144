"""Reading an upload into rows: our fields by the mapping, and a WGS84 geometry where the file has one."""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from app.coords import Crs, to_wgs84
from app.errors import FieldError, PayloadTooLarge
from app.geodata.reading import LAT_CANDIDATES, LON_CANDIDATES, BadFile, bad_file, check_lonlat

# Rows read, checked and staged at a time: the import holds one batch, never the whole file.
BATCH_ROWS = 20_000


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
    """A batch of the file's rows: one text-or-value column per mapped field, geometries in WGS84 (or
    None). ``start`` rows of the file came before this batch."""

    file_name: str
    columns: dict[Field, list[Any]]
    geoms: NDArray[Any]
    column_of: dict[Field, str]  # the file's column of each mapped field, to name it in a refusal
    start: int = 0

    def __len__(self) -> int:
        return len(self.geoms)

    def cells(self, f: Field) -> list[Any]:
        return self.columns.get(f) or [None] * len(self)


class TooManyRows(PayloadTooLarge):
    """More rows than one import may hold: refused before they are all read."""


def too_many_rows(display: str, limit: int, count: int | None = None) -> TooManyRows:
    has = f"{count} rows" if count is not None else f"more than {limit} rows"
    message = f"{has}; an import holds at most {limit}: split the file"
    return TooManyRows(detail=f"{display}: {message}", errors=[FieldError("file", message)])


# -- counting, before anything is read ------------------------------------------------------------


def count_rows(path: Path, fmt: ImportFormat, limit: int) -> int | None:
    """The file's data rows, counted without holding them (stops past ``limit``: then limit + 1);
    None when the file cannot be read, which its job will then say in detail."""
    try:
        if fmt is ImportFormat.csv:
            with path.open(encoding=_csv_encoding(path), newline="") as f:
                return _count(csv.reader(f), limit, header=True)
        if fmt is ImportFormat.xlsx:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                # Excel and WPS write the sheet's extent (<dimension>) first: no need to read the rows.
                if isinstance(sheet, ReadOnlyWorksheet) and sheet.max_row is not None:
                    return max(0, sheet.max_row - 1)
                return _count(sheet.iter_rows(values_only=True), limit, header=True)
            finally:
                book.close()
        info = pyogrio.read_info(path, force_feature_count=True)
        return int(info["features"])
    except Exception:  # unreadable: the job reads it and says why
        return None


def _count(rows: Iterator[Sequence[Any]], limit: int, *, header: bool) -> int:
    n = 0
    for row in rows:
        if any(v not in (None, "") for v in row):
            n += 1
            if n > limit + header:
                break
    return max(0, n - header)


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GBK as a Chinese Windows writes it:
    decoded in pieces, so that the choice holds for the whole file, not for its first lines."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


# -- reading in batches ---------------------------------------------------------------------------


def _mapped(columns: list[str], mapping: dict[str, str], display: str) -> dict[Field, str]:
    """Our field → the file's column: the mapping first, then the usual names."""
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


@dataclass
class _Source:
    """The file opened: its columns and an iterator of (frame, geometries) pieces."""

    columns: list[str]
    pieces: Iterator[tuple[pd.DataFrame, NDArray[Any] | None]]
    close: Callable[[], None] = lambda: None


def read_batches(
    path: Path,
    fmt: ImportFormat,
    crs: Crs,
    mapping: dict[str, str],
    display: str,
    *,
    max_rows: int,
    batch_rows: int | None = None,
) -> Generator[Rows]:
    """The spooled file ``path`` (shown to people as ``display``) in batches of ``batch_rows``;
    ``BadFile`` when unusable, ``TooManyRows`` as soon as it passes ``max_rows``. At most one batch
    is held at a time."""
    source = _open(path, fmt, crs, display, batch_rows or BATCH_ROWS)
    try:
        first = next(source.pieces, None)
        if first is None or len(first[0]) == 0:
            raise bad_file(Path(display), "the file has no rows")
        fields = _mapped(source.columns, mapping, display)
        tabular = fmt in (ImportFormat.csv, ImportFormat.xlsx)
        if tabular and not (Field.lon in fields and Field.lat in fields) and Field.chainage not in fields:
            raise _bad(
                display,
                "no location: map lon/lat columns, or a chainage (桩号) column with a road code "
                f"(columns: {', '.join(source.columns)})",
            )
        if Field.category not in fields:
            raise _bad(
                display, f"no category column: map one to 'category' (columns: {', '.join(source.columns)})"
            )
        start = 0
        pieces = itertools.chain([first], source.pieces)
        for frame, geoms in pieces:
            if start + len(frame) > max_rows:
                raise too_many_rows(display, max_rows)
            yield _rows(frame, geoms, fields, crs, display, start, tabular)
            start += len(frame)
    finally:
        source.close()


def _rows(
    frame: pd.DataFrame,
    geoms: NDArray[Any] | None,
    fields: dict[Field, str],
    crs: Crs,
    display: str,
    start: int,
    tabular: bool,
) -> Rows:
    if geoms is None:
        geoms = np.full(len(frame), None, dtype=object)
    if tabular and Field.lon in fields and Field.lat in fields:
        xs = pd.to_numeric(frame[fields[Field.lon]], errors="coerce").to_numpy(dtype=float)
        ys = pd.to_numeric(frame[fields[Field.lat]], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(xs) & np.isfinite(ys)
        geoms[ok] = to_wgs84(shapely.points(xs[ok], ys[ok]), crs)
    columns: dict[Field, list[Any]] = {
        f: frame[col].tolist() for f, col in fields.items() if f not in (Field.lon, Field.lat)
    }
    return Rows(file_name=display, columns=columns, geoms=geoms, column_of=fields, start=start)


def _open(path: Path, fmt: ImportFormat, crs: Crs, display: str, batch_rows: int) -> _Source:
    named = path.with_name(display)
    if fmt is ImportFormat.csv:
        return _open_csv(path, named, batch_rows)
    if fmt is ImportFormat.xlsx:
        return _open_xlsx(path, named, batch_rows)
    return _open_vector(path, crs, display, batch_rows)


def _open_csv(path: Path, named: Path, batch_rows: int) -> _Source:
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding=_csv_encoding(path), chunksize=batch_rows
        )
    except pd.errors.EmptyDataError:
        raise bad_file(named, "the file is empty") from None
    except Exception as exc:  # the CSV parser's errors share no useful base; all mean "unreadable"
        raise bad_file(named, f"cannot read it as CSV: {exc}") from exc

    def pieces() -> Iterator[tuple[pd.DataFrame, None]]:
        try:
            for frame in reader:
                yield frame.reset_index(drop=True), None
        except pd.errors.ParserError as exc:
            raise bad_file(named, f"cannot read it as CSV: {exc}") from exc

    # A header-only file still gives one empty piece, which names the columns.
    chunks = pieces()
    first = next(chunks, None)
    if first is None:
        reader.close()
        raise bad_file(named, "the file is empty")
    columns = [str(c) for c in first[0].columns]
    return _Source(columns, itertools.chain([first], chunks), reader.close)


def _open_xlsx(path: Path, named: Path, batch_rows: int) -> _Source:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
    except Exception as exc:  # openpyxl's errors share no useful base; all mean "unreadable"
        raise bad_file(named, f"cannot read it as XLSX: {exc}") from exc
    if header is None:
        book.close()
        raise bad_file(named, "the file is empty")
    columns = _unique([f"Unnamed: {i}" if v is None else str(v) for i, v in enumerate(header)])

    def pieces() -> Iterator[tuple[pd.DataFrame, None]]:
        batch: list[tuple[Any, ...]] = []
        blank = 0  # blank rows seen since the last filled one: kept only if a filled row follows
        width = len(columns)
        try:
            for row in rows:
                values = tuple(row[:width]) + (None,) * (width - len(row))
                if all(v is None or v == "" for v in values):
                    blank += 1
                    continue
                batch.extend([(None,) * width] * blank)
                blank = 0
                batch.append(values)
                if len(batch) >= batch_rows:
                    yield pd.DataFrame(batch, columns=columns, dtype=object), None
                    batch = []
        except Exception as exc:
            raise bad_file(named, f"cannot read it as XLSX: {exc}") from exc
        if batch:
            yield pd.DataFrame(batch, columns=columns, dtype=object), None

    return _Source(columns, pieces(), book.close)


def _unique(names: list[str]) -> list[str]:
    """Repeated column names as pandas names them: 名称, 名称.1, 名称.2."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out


def _open_vector(path: Path, crs: Crs, display: str, batch_rows: int) -> _Source:
    def shown(message: str) -> str:
        # GDAL names the spooled file: show the uploaded one, and no folder of the server.
        message = message.split("; It might help")[0]  # GDAL's hint about driver prefixes
        return message.replace("/vsizip/", "").replace(str(path), display).replace(path.name, display)

    def unreadable(exc: Exception) -> BadFile:
        return bad_file(Path(display), shown(f"cannot read it: {exc}"))

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        if len(layers) > 1:
            raise bad_file(Path(display), f"it has layers {', '.join(layers)}: import one at a time", "layer")
        info = pyogrio.read_info(path, force_feature_count=True)
    except BadFile:
        raise
    except Exception as exc:  # GDAL's errors have no common base worth naming; all mean "unreadable"
        raise unreadable(exc) from exc
    if info.get("geometry_type") is None:
        raise bad_file(Path(display), "it has no geometry")
    columns = [str(c) for c in info["fields"]]
    total = int(info["features"])

    def pieces() -> Iterator[tuple[pd.DataFrame, NDArray[Any]]]:
        for skip in range(0, max(total, 1), batch_rows):
            try:
                gdf = pyogrio.read_dataframe(path, skip_features=skip, max_features=batch_rows)
            except Exception as exc:
                raise unreadable(exc) from exc
            if gdf.crs is not None and gdf.crs.is_projected:
                # A projected file (e.g. CGCS2000 Gauss–Krüger) goes to its own datum's lon/lat
                # first; the import's crs then says which lon/lat system that is.
                gdf = gdf.to_crs(gdf.crs.geodetic_crs)
            geoms = shapely.force_2d(np.asarray(gdf.geometry.array, dtype=object))
            check_lonlat(Path(display), geoms)
            frame = pd.DataFrame(gdf.drop(columns="geometry")).reset_index(drop=True)
            yield frame, to_wgs84(geoms, crs)

    return _Source(columns, pieces())

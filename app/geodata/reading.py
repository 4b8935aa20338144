"""Reading an import file into attribute rows and WGS84 geometries, or refusing the whole file."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray

from app.coords import Crs, to_wgs84
from app.errors import FieldError, InvalidInput
from app.roads.chainage import parse_chainage

# GDAL can open more, but these are the formats we test and document.
SUPPORTED_SUFFIXES = (".geojson", ".json", ".geojsonl", ".geojsons", ".gpkg", ".shp", ".zip", ".csv")
LON_CANDIDATES = ("lon", "lng", "longitude", "经度", "x")
LAT_CANDIDATES = ("lat", "latitude", "纬度", "y")


@dataclass
class BadFile(InvalidInput):
    """The file as a whole cannot be imported (unreadable, wrong format, a mapped field missing)."""

    title: str = "Unusable import file"


def bad_file(path: Path, message: str, field_name: str = "file") -> BadFile:
    return BadFile(detail=f"{path.name}: {message}", errors=[FieldError(field_name, message)])


@dataclass
class Table:
    """The rows of one layer: attributes as read, geometries in WGS84 (None where missing)."""

    path: Path
    frame: pd.DataFrame
    geoms: NDArray[Any]  # object array of shapely geometries or None, 2D, WGS84

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def fields(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def require(self, **mapped: str | None) -> None:
        """Refuse the file when a field an option names is not in it (``option=field``)."""
        missing = [
            FieldError(option.replace("_", "-"), f"no field {name!r} in the file")
            for option, name in mapped.items()
            if name is not None and name not in self.frame.columns
        ]
        if missing:
            fields = ", ".join(self.fields) or "none"
            raise BadFile(
                detail=f"{self.path.name}: {'; '.join(e.message for e in missing)} (fields: {fields})",
                errors=missing,
            )

    def cells(self, name: str | None) -> list[str]:
        """One column as stripped text ('' for empty), or all '' when no field is mapped."""
        if name is None:
            return [""] * len(self.frame)
        return [cell(v) for v in self.frame[name].tolist()]


def cell(value: Any) -> str:
    """A cell as text: '' for null/NaN, integers without the '.0' a DBF or pandas adds."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, np.floating | np.integer):
        return cell(value.item())
    return str(value).strip()


def parse_chainage_m(text: str) -> float:
    """A chainage in metres from ``12345.6`` or a posted 桩号 in any notation app.roads.chainage reads.

    Raises ValueError for anything else, a range included (a road piece starts at one chainage).
    """
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = parse_chainage(text)
    except InvalidInput as exc:
        raise ValueError(str(exc)) from exc
    if parsed.is_range:
        raise ValueError(f"{text!r} is a range; a start chainage is one 桩号")
    return parsed.start_m


def read_table(
    path: Path,
    crs: Crs,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    lon_field: str | None = None,
    lat_field: str | None = None,
) -> Table:
    """Read ``path`` (GeoJSON, GeoPackage, Shapefile or a .zip of one, CSV with lon/lat columns)."""
    if not path.exists():
        raise bad_file(path, "no such file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise bad_file(path, f"unsupported file type {suffix or '(none)'}; use {supported}")
    if suffix == ".csv":
        frame, geoms = _read_csv(path, encoding, lon_field, lat_field)
    else:
        frame, geoms = _read_vector(path, layer, encoding)
    if len(frame) == 0:
        raise bad_file(path, "the file has no rows")
    geoms = shapely.force_2d(geoms)
    check_lonlat(path, geoms)
    return Table(path=path, frame=frame, geoms=to_wgs84(geoms, crs))


def _read_vector(path: Path, layer: str | None, encoding: str | None) -> tuple[pd.DataFrame, NDArray[Any]]:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        if layer is None and len(layers) > 1:
            raise bad_file(path, f"it has layers {', '.join(layers)}: choose one with --layer", "layer")
        if layer is not None and layer not in layers:
            raise bad_file(path, f"no layer {layer!r} (layers: {', '.join(layers)})", "layer")
        gdf = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except BadFile:
        raise
    except Exception as exc:  # GDAL's errors have no common base worth naming; all mean "unreadable"
        raise bad_file(path, f"cannot read it: {exc}") from exc
    if "geometry" not in gdf.columns:
        raise bad_file(path, "it has no geometry")
    if gdf.crs is not None and gdf.crs.is_projected:
        # A projected file (e.g. CGCS2000 Gauss–Krüger) goes to its own datum's lon/lat first;
        # --crs then says which lon/lat system that is.
        gdf = gdf.to_crs(gdf.crs.geodetic_crs)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    frame = pd.DataFrame(gdf.drop(columns="geometry"))
    return frame.reset_index(drop=True), geoms


def _read_csv(
    path: Path, encoding: str | None, lon_field: str | None, lat_field: str | None
) -> tuple[pd.DataFrame, NDArray[Any]]:
    # Excel writes UTF-8 with a BOM, or GBK on a Chinese Windows; try both unless told.
    encodings = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    frame: pd.DataFrame | None = None
    for enc in encodings:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
            break
        except UnicodeDecodeError:
            continue
        except Exception as exc:
            raise bad_file(path, f"cannot read it as CSV: {exc}") from exc
    if frame is None:
        raise bad_file(path, f"cannot decode it as {' or '.join(encodings)}; give --encoding")
    lon = _coordinate_field(path, frame, lon_field, LON_CANDIDATES, "lon-field")
    lat = _coordinate_field(path, frame, lat_field, LAT_CANDIDATES, "lat-field")
    xs = pd.to_numeric(frame[lon].str.strip(), errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(frame[lat].str.strip(), errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    geoms = np.full(len(frame), None, dtype=object)
    geoms[ok] = shapely.points(xs[ok], ys[ok])
    return frame, geoms


def _coordinate_field(
    path: Path, frame: pd.DataFrame, given: str | None, candidates: tuple[str, ...], option: str
) -> str:
    if given is not None:
        if given not in frame.columns:
            raise bad_file(path, f"no field {given!r} in the file", option)
        return given
    by_lower = {str(c).strip().lower(): str(c) for c in frame.columns}
    for name in candidates:
        if name in by_lower:
            return by_lower[name]
    raise bad_file(path, f"no coordinate column (tried {', '.join(candidates)}); give --{option}", option)


def check_lonlat(path: Path, geoms: NDArray[Any]) -> None:
    """Refuse a file whose coordinates are plainly not degrees (a projected file without a .prj)."""
    present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if len(present) == 0:
        return
    xmin, ymin, xmax, ymax = shapely.total_bounds(present)
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise bad_file(
            path,
            "the coordinates are not longitude/latitude and the file declares no projection "
            "(add the .prj, or reproject it to EPSG:4490/4326)",
        )

"""Writing the same few rows as CSV, XLSX, GeoJSON, GeoJSONSeq, GeoPackage and a zipped Shapefile."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely


def write_csv(path: Path, rows: list[dict[str, Any]], encoding: str = "utf-8-sig") -> Path:
    pd.DataFrame(rows).to_csv(path, index=False, encoding=encoding)
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    pd.DataFrame(rows).to_excel(path, index=False, engine="openpyxl")
    return path


def _frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    props = [{k: v for k, v in r.items() if k not in ("lon", "lat")} for r in rows]
    geoms = [shapely.Point(r["lon"], r["lat"]) for r in rows]
    return gpd.GeoDataFrame(props, geometry=geoms, crs="EPSG:4326")


def write_geojson(path: Path, rows: list[dict[str, Any]]) -> Path:
    _frame(rows).to_file(path, driver="GeoJSON")
    return path


def write_geojsonseq(path: Path, rows: list[dict[str, Any]]) -> Path:
    lines = [
        json.dumps(
            {
                "type": "Feature",
                "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")},
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            },
            ensure_ascii=False,
        )
        for r in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_gpkg(path: Path, rows: list[dict[str, Any]]) -> Path:
    _frame(rows).to_file(path, driver="GPKG", layer="hazards")
    return path


def write_shapefile_zip(path: Path, rows: list[dict[str, Any]], encoding: str) -> Path:
    """A zipped Shapefile whose .cpg names ``encoding`` (GBK as the Chinese ArcGIS writes it)."""
    folder = path.parent / f"shp-{path.stem}"
    folder.mkdir()
    # A DBF name holds at most 10 bytes: the description goes under a Chinese column name.
    frame = _frame(rows).rename(columns={"description": "描述"})
    frame.to_file(folder / "hazards.shp", encoding=encoding)
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
    return path

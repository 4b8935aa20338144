"""Small hand-made import files for the importer tests."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

GEOD = Geod(ellps="WGS84")

# Places inside the city (WGS84), and one far outside it (Beijing).
DONGCHANGFU = (115.98, 36.45)
CHIPING = (116.24, 36.60)
BEIJING = (116.40, 39.90)
# 古楼街道's seat: (GCJ-02, WGS84) from the township table.
GULOU_GCJ = (115.965473, 36.462002)
GULOU_WGS = (115.959865, 36.461981)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def line(start: tuple[float, float], dx: float = 0.05, dy: float = 0.0) -> list[list[float]]:
    return [
        [start[0], start[1]],
        [start[0] + dx / 2, start[1] + dy / 2 + 0.002],
        [start[0] + dx, start[1] + dy],
    ]


def feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    return path


def frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """GeoJSON-like records (``geometry`` as a mapping or None) → a GeoDataFrame in EPSG:4326."""
    geoms = [shapely.geometry.shape(r["geometry"]) if r["geometry"] else None for r in records]
    props = [r["properties"] for r in records]
    return gpd.GeoDataFrame(props, geometry=geoms, crs="EPSG:4326")


def write_gpkg(path: Path, records: list[dict[str, Any]], layer: str = "roads") -> Path:
    frame(records).to_file(path, layer=layer, driver="GPKG")
    return path


def write_zipped_shapefile(path: Path, records: list[dict[str, Any]]) -> Path:
    folder = path.parent / "shp"
    folder.mkdir()
    frame(records).to_file(folder / "roads.shp", encoding="utf-8")
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
    return path


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def all_rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())

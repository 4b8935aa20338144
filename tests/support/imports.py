"""Import files and jobs: the same few rows written as CSV, XLSX, GeoJSON, GeoJSONSeq, GeoPackage and a
zipped Shapefile; posting a file, then polling its job."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
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


async def post_import(
    client: httpx.AsyncClient, path: Path, *, mapping: dict[str, str] | str | None = None, **form: Any
) -> httpx.Response:
    """POST the file; ``mapping`` as a dict is sent as JSON, as a string as it is."""
    data = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in form.items()}
    if mapping is not None:
        data["mapping"] = mapping if isinstance(mapping, str) else json.dumps(mapping, ensure_ascii=False)
    with path.open("rb") as f:
        return await client.post(
            "/api/v1/imports",
            files={"file": (path.name, f.read())},
            data=data,
        )


async def wait_job(client: httpx.AsyncClient, location: str, limit_s: float = 60.0) -> dict[str, Any]:
    """Poll the job until it is done; every progress seen must be 0–1 and never go down."""
    seen: list[float] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + limit_s
    while True:
        r = await client.get(location)
        assert r.status_code == 200, r.text
        job: dict[str, Any] = r.json()
        seen.append(job["progress"])
        if job["status"] in ("succeeded", "failed"):
            assert seen == sorted(seen) and all(0 <= p <= 1 for p in seen), seen
            return job
        assert loop.time() < end, f"job still {job['status']} after {limit_s} s"
        await asyncio.sleep(0.05)


async def run_import(
    client: httpx.AsyncClient, path: Path, *, mapping: dict[str, str] | None = None, **form: Any
) -> dict[str, Any]:
    r = await post_import(client, path, mapping=mapping, **form)
    assert r.status_code == 202, r.text
    return await wait_job(client, r.headers["Location"])

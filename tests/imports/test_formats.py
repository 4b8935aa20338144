"""Every format round trip: the same rows in, the same hazards in the ledger, each with its history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.geodata import all_rows
from tests.support.imports import (
    run_import,
    write_csv,
    write_geojson,
    write_geojsonseq,
    write_gpkg,
    write_shapefile_zip,
    write_xlsx,
)

# Two pins in 东昌府区: the first 22 m from G9309 (snapped at K517+500), the second far from it.
ROWS: list[dict[str, Any]] = [
    {"lon": 115.97, "lat": 36.4602, "category": "XL01", "grade": "较大", "description": "急弯无警示"},
    {"lon": 115.98, "lat": 36.45, "category": "SS01", "grade": "一般", "description": "缺少护栏"},
]

WRITERS: dict[str, Callable[[Path, list[dict[str, Any]]], Path]] = {
    "data.csv": write_csv,
    "data.xlsx": write_xlsx,
    "data.geojson": write_geojson,
    "data.geojsonl": write_geojsonseq,
    "data.gpkg": write_gpkg,
    "data-utf8.zip": lambda p, rows: write_shapefile_zip(p, rows, "UTF-8"),
    "data-gbk.zip": lambda p, rows: write_shapefile_zip(p, rows, "GBK"),
}


@pytest.mark.parametrize("name", list(WRITERS))
async def test_round_trip(
    client: httpx.AsyncClient, engine: AsyncEngine, import_roads: dict[str, int], tmp_path: Path, name: str
) -> None:
    path = WRITERS[name](tmp_path / name, ROWS)
    mapping = {"描述": "description"} if name.endswith(".zip") else None
    job = await run_import(client, path, mapping=mapping)
    assert job["status"] == "succeeded", job
    assert job["progress"] == 1
    assert job["counts"] == {"read": 2, "valid": 2, "refused": 0, "written": 2}
    assert job["created_by"] == "测试管理员（t-admin）"
    got = await all_rows(
        engine,
        """SELECT category_code, grade, description, road_id, round(chainage_m), county_code,
                  round(ST_X(geom)::numeric, 6)::float8, round(ST_Y(geom)::numeric, 6)::float8
             FROM hazards ORDER BY id""",
    )
    assert [tuple(r) for r in got] == [
        ("XL01", "significant", "急弯无警示", import_roads["G9309"], 517500, "371502", 115.97, 36.4602),
        ("SS01", "general", "缺少护栏", None, None, "371502", 115.98, 36.45),
    ]
    events = await all_rows(engine, "SELECT action, actor FROM hazard_events ORDER BY id")
    actor = f"import:{job['id']}:测试管理员（t-admin）"
    assert [tuple(e) for e in events] == [("import", actor), ("import", actor)]

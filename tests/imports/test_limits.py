"""Resource limits of an import: the row limit refuses a file before its rows are read, the file is
read in batches (the same outcome as in one piece), the upload is removed however the job ends, and
a job and its report are the importer's and the administrators' only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.coords import Crs
from app.imports import reading
from app.imports.reading import ImportFormat, TooManyRows, read_batches
from app.settings import get_settings
from tests.support.geodata import scalar
from tests.support.imports import (
    post_import,
    run_import,
    wait_job,
    write_csv,
    write_geojson,
    write_gpkg,
    write_shapefile_zip,
    write_xlsx,
)

UID = "5f0c2a8e-3c1b-4c1e-9a7e-2b2f1d6c9e01"


def rows(n: int) -> list[dict[str, Any]]:
    """``n`` pins in 东昌府区, a few metres apart, all valid."""
    return [
        {
            "lon": round(115.98 + i * 0.0001, 6),
            "lat": 36.45,
            "category": "SS01",
            "grade": "一般",
            "description": f"缺少护栏 {i + 1}",
        }
        for i in range(n)
    ]


WRITERS: dict[str, Callable[[Path, list[dict[str, Any]]], Path]] = {
    "data.csv": write_csv,
    "data.xlsx": write_xlsx,
    "data.geojson": write_geojson,
    "data.gpkg": write_gpkg,
    "data.zip": lambda p, r: write_shapefile_zip(p, r, "UTF-8"),
}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "spool"
    monkeypatch.setattr(get_settings(), "import_dir", folder)
    return folder


@pytest.mark.parametrize("name", list(WRITERS))
async def test_too_many_rows_is_refused_at_once(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    tmp_path: Path,
    spool: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    monkeypatch.setattr(get_settings(), "import_max_rows", 3)
    jobs = await scalar(engine, "SELECT count(*) FROM import_jobs")
    path = WRITERS[name](tmp_path / name, rows(5))
    r = await post_import(
        client, path, mapping={"description": "description"} if name != "data.zip" else None
    )
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    counted = "more than 3 rows" if name in ("data.csv", "data.xlsx") else "5 rows"
    message = f"{counted}; an import holds at most 3: split the file"
    assert r.json()["errors"] == [{"field": "file", "message": message}]
    assert r.json()["detail"] == f"{name}: {message}"
    # Nothing changed: no job, no hazard, no file left behind.
    assert await scalar(engine, "SELECT count(*) FROM import_jobs") == jobs
    assert await scalar(engine, "SELECT count(*) FROM hazards") == 0
    assert leftovers(spool) == []


async def test_at_the_limit_it_imports(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    tmp_path: Path,
    spool: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "import_max_rows", 3)
    job = await run_import(client, write_xlsx(tmp_path / "three.xlsx", rows(3)))
    assert job["status"] == "succeeded", job
    assert job["counts"]["written"] == 3
    assert await scalar(engine, "SELECT count(*) FROM hazards") == 3


def test_reading_stops_past_the_limit(tmp_path: Path) -> None:
    """The job's own guard, for a file whose count was not known beforehand (or the CLI)."""
    path = write_csv(tmp_path / "data.csv", rows(5))
    batches = read_batches(path, ImportFormat.csv, Crs.wgs84, {}, "data.csv", max_rows=3, batch_rows=2)
    first = next(batches)
    assert len(first) == 2
    with pytest.raises(TooManyRows, match="more than 3 rows"):
        next(batches)


@pytest.mark.parametrize("name", list(WRITERS))
async def test_batches_give_the_same_import(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    tmp_path: Path,
    spool: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    """Five rows read two at a time: the row numbers run on and a uid repeated across batches is
    found."""
    monkeypatch.setattr(reading, "BATCH_ROWS", 2)
    data = rows(5)
    if name != "data.zip":  # a DBF column name holds at most 10 bytes
        for i, row in enumerate(data):
            row["uid"] = UID if i in (0, 3) else None
    data[4]["category"] = "ZZ99"
    job = await run_import(client, WRITERS[name](tmp_path / name, data), mode="valid-rows")
    assert job["status"] == "succeeded", job
    report = (await client.get(f"/api/v1/imports/{job['id']}/report")).json()["refused"]
    expected = [{"row": 5, "field": "category", "reason": "unknown category 'ZZ99'"}]
    if name != "data.zip":
        expected.insert(0, {"row": 4, "field": "uid", "reason": "duplicate uid (also row 1)"})
    assert report == expected
    assert job["counts"] == {"read": 5, "valid": 5 - len(expected), "refused": len(expected),
                             "written": 5 - len(expected)}  # fmt: skip
    assert await scalar(engine, "SELECT count(*) FROM hazards") == 5 - len(expected)


@pytest.mark.parametrize(
    ("content", "form", "status"),
    [
        (rows(2), {}, "succeeded"),
        (rows(2), {"dry_run": True}, "succeeded"),
        ([{**rows(1)[0], "category": "ZZ99"}], {}, "failed"),  # all-or-nothing: a row refused
        (None, {}, "failed"),  # an unreadable file
    ],
)
async def test_the_upload_is_removed_when_the_job_ends(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    tmp_path: Path,
    spool: Path,
    content: list[dict[str, Any]] | None,
    form: dict[str, Any],
    status: str,
) -> None:
    path = tmp_path / "data.csv"
    if content is None:
        path.write_bytes(b"\x00\xff garbage")
    else:
        write_csv(path, content)
    r = await post_import(client, path, **form)
    assert r.status_code == 202, r.text
    job = await wait_job(client, r.headers["Location"])
    assert job["status"] == status, job
    # The worker removes the upload just after the job's end is committed (a job run again after
    # its worker died still needs it until then).
    deadline = asyncio.get_running_loop().time() + 10
    while leftovers(spool):
        assert asyncio.get_running_loop().time() < deadline, leftovers(spool)
        await asyncio.sleep(0.05)


async def test_a_job_is_the_importers_and_the_administrators(
    clients: dict[str, httpx.AsyncClient], tmp_path: Path, spool: Path
) -> None:
    bad = [*rows(1), {**rows(1)[0], "category": "ZZ99"}]
    r = await post_import(clients["admin"], write_csv(tmp_path / "a.csv", bad), mode="valid-rows")
    location = r.headers["Location"]
    await wait_job(clients["admin"], location)
    for role in ("admin", "admin2"):
        for url in (location, f"{location}/report", f"{location}/report?format=csv"):
            assert (await clients[role].get(url)).status_code == 200, (role, url)
    for role in ("commander", "county_officer", "verifier", "viewer"):
        for url in (location, f"{location}/report", f"{location}/report?format=csv"):
            r = await clients[role].get(url)
            assert r.status_code == 403, (role, url, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert "ZZ99" not in r.text
            assert r.json()["detail"].endswith("only its importer and administrators may see it")
    assert (await clients["agency"].get(location)).status_code == 403


async def test_absurd_deadlines_are_refused_rows(
    client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path, spool: Path
) -> None:
    data = [
        {**row, "reported_at": "2026-02-01", "deadline": deadline}
        for row, deadline in zip(rows(3), ["2026-03-01", "2250-01-01", "2026-01-31"], strict=True)
    ]
    job = await run_import(client, write_xlsx(tmp_path / "deadlines.xlsx", data), mode="valid-rows")
    report = (await client.get(f"/api/v1/imports/{job['id']}/report")).json()["refused"]
    assert report == [
        {"row": 2, "field": "deadline", "reason": "2250-01-01 is not between 1990 and 2199"},
        {"row": 3, "field": "deadline", "reason": "2026-01-31 is before the report date 2026-02-01"},
    ]
    assert await scalar(engine, "SELECT count(*) FROM hazards") == 1


async def test_a_segment_that_crosses_itself_is_a_refused_row(
    client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path, spool: Path
) -> None:
    import json

    bow_tie = [[115.95, 36.45], [115.97, 36.47], [115.97, 36.45], [115.95, 36.47]]
    features = [
        {
            "type": "Feature",
            "properties": {"category": "XL04", "grade": "一般"},
            "geometry": {"type": "LineString", "coordinates": coords},
        }
        for coords in (bow_tie, bow_tie[:2])
    ]
    path = tmp_path / "segments.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    job = await run_import(client, path, mode="valid-rows")
    report = (await client.get(f"/api/v1/imports/{job['id']}/report")).json()["refused"]
    assert report == [
        {
            "row": 1,
            "field": "geometry",
            "reason": "the line crosses or touches itself; a segment is one stretch of road, drawn once",
        }
    ]
    assert await scalar(engine, "SELECT count(*) FROM hazards") == 1

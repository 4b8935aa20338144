"""A file that cannot be imported fails its job with a clear message; a bad request is a 4xx problem."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.geodata import scalar
from tests.support.imports import post_import, run_import


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("header-only.csv", "经度,纬度,category\n".encode(), "header-only.csv: the file has no rows"),
        (
            "photo.gpkg",
            b"\x89PNG\r\n\x1a\n not a database",
            "photo.gpkg: cannot read it: 'photo.gpkg' not recognized as being in a supported file format.",
        ),
        ("notes.geojson", "这不是 GeoJSON".encode(), "notes.geojson: cannot read it: 'notes.geojson' not"),
        ("broken.zip", b"PK\x03\x04 not a zip", "broken.zip: cannot read it: 'broken.zip' does not exist"),
        (
            "wrong.csv",
            "名称,备注\n急弯,无\n".encode(),
            "wrong.csv: no location: map lon/lat columns, or a chainage (桩号) column with a road code "
            "(columns: 名称, 备注)",
        ),
        (
            "no-category.csv",
            b"lon,lat,grade\n115.98,36.45,general\n",
            "no-category.csv: no category column: map one to 'category' (columns: lon, lat, grade)",
        ),
    ],
)
async def test_bad_file_fails_the_job(
    client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path, name: str, content: bytes, error: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    job = await run_import(client, path)
    assert job["status"] == "failed"
    assert job["error"].startswith(error), job["error"]
    assert "/" not in job["error"].removeprefix(error)  # no folder of the server
    assert job["progress"] == 1
    assert job["counts"] == {"read": 0, "valid": 0, "refused": 0, "written": 0}
    assert await scalar(engine, "SELECT count(*) FROM hazards") == 0


async def test_mapping_names_a_missing_column(client: httpx.AsyncClient, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("lon,lat,category,grade\n115.98,36.45,SS01,一般\n", encoding="utf-8")
    job = await run_import(client, path, mapping={"经度": "lon"})
    assert job["status"] == "failed"
    assert job["error"] == (
        "a.csv: the mapping names column(s) '经度' that the file does not have "
        "(columns: lon, lat, category, grade)"
    )


def _csv(tmp_path: Path, name: str = "a.csv") -> Path:
    path = tmp_path / name
    path.write_text("lon,lat,category,grade\n115.98,36.45,SS01,一般\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "form", "field", "message"),
    [
        ("a.csv", {"format": "dbf"}, "format", "unknown format 'dbf'"),
        ("a.txt", {}, "format", "cannot tell the format from the file name 'a.txt'"),
        ("a.csv", {"crs": "bd09"}, "crs", "unknown coordinate system 'bd09'; use wgs84, cgcs2000 or gcj02"),
        ("a.csv", {"mode": "some"}, "mode", "unknown mode 'some'; use all-or-nothing or valid-rows"),
        ("a.csv", {"mapping": "{经度: lon}"}, "mapping", "is not JSON"),
        ("a.csv", {"mapping": '["lon"]'}, "mapping", "must be a JSON object of column name → field name"),
        ("a.csv", {"mapping": '{"经度": "longitude"}'}, "mapping", "unknown field(s) 'longitude'"),
        ("a.csv", {"mapping": '{"x": "lon", "经度": "lon"}'}, "mapping", "field(s) 'lon' mapped from more"),
        ("a.csv", {"dry_run": "perhaps"}, "dry_run", ""),
    ],
)
async def test_bad_request_is_a_problem(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    tmp_path: Path,
    name: str,
    form: dict[str, str],
    field: str,
    message: str,
) -> None:
    jobs_before = await scalar(engine, "SELECT count(*) FROM import_jobs")
    r = await post_import(client, _csv(tmp_path, name), **form)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["message"].startswith(message)
    assert await scalar(engine, "SELECT count(*) FROM import_jobs") == jobs_before


async def test_no_file_is_a_problem(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/imports", data={"crs": "wgs84"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["file"]


async def test_too_large_a_file_is_refused(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.settings import get_settings

    monkeypatch.setattr(get_settings(), "import_max_bytes", 10)
    r = await post_import(client, _csv(tmp_path))
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "file: the file must be at most 10 bytes"


async def test_unknown_job(client: httpx.AsyncClient) -> None:
    for url in ("/api/v1/imports/999999", "/api/v1/imports/999999/report"):
        r = await client.get(url)
        assert r.status_code == 404
        assert r.json()["detail"] == "no import job 999999"
    r = await client.get("/api/v1/imports/1/report", params={"format": "pdf"})
    assert r.status_code == 422

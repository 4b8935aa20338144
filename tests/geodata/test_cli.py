"""The `hazardmap import …` and `hazardmap geodata load` commands, over a test database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from app.cli import cli
from app.geodata import cli as geodata_cli
from tests.support.geodata import DONGCHANGFU, GULOU_GCJ, feature, line, write_geojson

runner = CliRunner()


@pytest.fixture
def db_url(isolated_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the commands at the test's own database instead of the configured one."""

    def engine() -> AsyncEngine:
        return create_async_engine(isolated_db, poolclass=NullPool)

    async def keep() -> None:
        pass

    monkeypatch.setattr(geodata_cli, "get_engine", engine)
    monkeypatch.setattr(geodata_cli, "dispose_engine", keep)
    return isolated_db


def test_help_lists_the_importers() -> None:
    result = runner.invoke(cli, ["import", "--help"])
    assert result.exit_code == 0
    for name in ("boundaries", "roads", "hazards"):
        assert name in result.output


def test_import_roads(db_url: str, tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "r.geojson",
        [
            feature({"type": "LineString", "coordinates": line(DONGCHANGFU)}, code="G309", cls="G"),
            feature({"type": "LineString", "coordinates": line(DONGCHANGFU, 0, 0.02)}, code="X1", cls="X"),
            feature({"type": "LineString", "coordinates": line(DONGCHANGFU, 0.02)}, code="Q1", cls="Q"),
        ],
    )
    args = ["import", "roads", str(path), "--code-field", "code", "--class-field", "cls",
            "--class-map", "G=national,X=county", "--crs", "wgs84"]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "loaded 2, refused 1" in result.output
    assert "unknown class 'Q'" in result.output


def test_import_boundaries_and_hazards(db_url: str, tmp_path: Path) -> None:
    villages = write_geojson(
        tmp_path / "v.geojson",
        [feature({"type": "Point", "coordinates": list(GULOU_GCJ)}, adcode="371502001001", name="测试社区")],
    )
    result = runner.invoke(
        cli,
        [
            "import",
            "boundaries",
            str(villages),
            "--level",
            "village",
            "--parent",
            "371502001",
            "--crs",
            "gcj02",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "loaded 1, refused 0" in result.output
    assert "inserted: 1" in result.output

    hazards = tmp_path / "h.csv"
    hazards.write_text(f"lon,lat,category,grade\n{GULOU_GCJ[0]},{GULOU_GCJ[1]},XL01,一般\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", "hazards", str(hazards), "--crs", "gcj02"])
    assert result.exit_code == 0, result.output
    assert "read 1, valid 1, refused 0, written 1" in result.output


def test_a_bad_file_exits_1(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "r.geojson"
    path.write_text("{broken", encoding="utf-8")
    result = runner.invoke(cli, ["import", "roads", str(path), "--code-field", "code", "--crs", "wgs84"])
    assert result.exit_code == 1
    assert "nothing was changed" in result.output


def test_bad_class_map_exits_2(db_url: str, tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "import",
            "roads",
            str(tmp_path / "x.geojson"),
            "--code-field",
            "c",
            "--class-map",
            "G",
            "--crs",
            "wgs84",
        ],
    )
    assert result.exit_code == 2
    assert "VALUE=CLASS" in result.output


def test_geodata_load_if_empty(db_url: str) -> None:
    result = runner.invoke(cli, ["geodata", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "already has 148 rows: nothing loaded" in result.output
    result = runner.invoke(cli, ["geodata", "load"])
    assert result.exit_code == 1


async def test_geodata_load_into_an_empty_database(db_url: str) -> None:
    engine = create_async_engine(db_url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM roads"))
        for level in ("township", "zone", "county", "city"):
            await conn.execute(text("DELETE FROM jurisdictions WHERE level = :level"), {"level": level})
    await engine.dispose()
    result = await asyncio.to_thread(runner.invoke, cli, ["geodata", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "jurisdictions: 1 city, 8 county, 3 zone, 136 township; roads: 203" in result.output

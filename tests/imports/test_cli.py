"""`hazardmap import hazards FILE --crs … --mapping '{…}' --mode … --dry-run`: the same service as the API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from app.cli import cli
from app.geodata import cli as geodata_cli
from tests.support.geodata import GULOU_GCJ

runner = CliRunner()
CSV = f"""经度,纬度,隐患类别,等级
{GULOU_GCJ[0]},{GULOU_GCJ[1]},XL01,较大
{GULOU_GCJ[0]},{GULOU_GCJ[1]},ZZ99,一般
"""
MAPPING = json.dumps(
    {"经度": "lon", "纬度": "lat", "隐患类别": "category", "等级": "grade"}, ensure_ascii=False
)


@pytest.fixture
def db_url(isolated_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    def engine() -> AsyncEngine:
        return create_async_engine(isolated_db, poolclass=NullPool)

    async def keep() -> None:
        pass

    monkeypatch.setattr(geodata_cli, "get_engine", engine)
    monkeypatch.setattr(geodata_cli, "dispose_engine", keep)
    return isolated_db


def count(url: str, sql: str) -> int:
    async def go() -> int:
        eng = create_async_engine(url, poolclass=NullPool)
        try:
            async with eng.connect() as conn:
                return int((await conn.execute(text(sql))).scalar_one())
        finally:
            await eng.dispose()

    return asyncio.run(go())


def test_modes_and_dry_run(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text(CSV, encoding="utf-8-sig")
    base = ["import", "hazards", str(path), "--crs", "gcj02", "--mapping", MAPPING]

    result = runner.invoke(cli, base)
    assert result.exit_code == 1, result.output
    assert "read 2, valid 1, refused 1, written 0" in result.output
    assert "unknown category 'ZZ99'" in result.output
    assert "nothing was written (all-or-nothing)" in result.output

    result = runner.invoke(cli, [*base, "--mode", "valid-rows", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "read 2, valid 1, refused 1, written 0" in result.output
    assert "dry run: nothing was written" in result.output
    assert count(db_url, "SELECT count(*) FROM hazards") == 0

    result = runner.invoke(cli, [*base, "--mode", "valid-rows"])
    assert result.exit_code == 0, result.output
    assert "read 2, valid 1, refused 1, written 1" in result.output
    assert count(db_url, "SELECT count(*) FROM hazard_events WHERE action = 'import'") == 1


def test_bad_options_exit_2(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(CSV, encoding="utf-8")
    result = runner.invoke(cli, ["import", "hazards", str(path), "--crs", "wgs84", "--mapping", "{oops"])
    assert result.exit_code == 2
    assert "mapping: is not JSON" in result.output
    result = runner.invoke(cli, ["import", "hazards", str(path), "--crs", "wgs84", "--mode", "some"])
    assert result.exit_code == 2
    assert "unknown mode 'some'" in result.output

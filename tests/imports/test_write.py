"""The import's write: ledger numbers taken apart from the import's transaction (an API create in the
same county does not wait for it, a failed import gives them back), the history written set-wise as
the row trigger wrote it, zone and village placed set-wise by the rule of hazard_zone_village."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.cluster import APP_ROLE, Cluster
from app.db import get_engine, set_engine
from app.imports.reading import ImportFormat
from app.imports.service import ImportOptions, ImportOutcome, Mode, import_hazards
from tests.support.accounts import auth_headers
from tests.support.databases import TEST_DB, empty_ledger
from tests.support.geodata import all_rows, scalar
from tests.support.hazards import GULOU, point
from tests.support.imports import write_csv

ROWS = 40
OPTIONS = ImportOptions(format=ImportFormat.csv, mode=Mode.valid_rows)
# Inside 东昌府区 (371502): a test zone of 0.02° around IN_ZONE, a village outline east of its centre,
# a village point west of it.
IN_ZONE = (115.995, 36.435)
ZONE = "Z371501"
VILLAGE_AREA = "371502999801"
VILLAGE_POINT = "371502999802"


def square(x: float, y: float, half: float) -> str:
    return (
        f"POLYGON(({x - half} {y - half}, {x + half} {y - half}, {x + half} {y + half},"
        f" {x - half} {y + half}, {x - half} {y - half}))"
    )


def pins_near(lonlat: tuple[float, float], n: int = ROWS) -> list[dict[str, Any]]:
    return [
        {
            "lon": round(lonlat[0] + 0.0004 * (i % 7), 6),
            "lat": round(lonlat[1] + 0.0004 * (i // 7), 6),
            "category": "SS01",
            "grade": "一般",
            "reported_at": "2026-03-01",
        }
        for i in range(n)
    ]


async def counters(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await all_rows(engine, "SELECT * FROM ledger_counters ORDER BY 1, 2")]


@pytest.fixture
async def impatient_service(cluster: Cluster) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Makes the service's requests run on connections that give up waiting for a lock after 2 s:
    an API create that had to wait for the import's ledger counters fails instead of answering."""
    impatient = create_async_engine(
        cluster.url(TEST_DB, APP_ROLE),
        poolclass=NullPool,
        connect_args={"server_settings": {"lock_timeout": "2000"}},
    )
    previous = get_engine()

    async def use() -> None:
        set_engine(impatient)

    yield use
    set_engine(previous)
    await impatient.dispose()


async def create_in_gulou(client: httpx.AsyncClient) -> httpx.Response:
    # The import's pins are near: the create is not a possible duplicate to be asked about.
    return await client.post(
        "/api/v1/hazards?on_duplicate=create",
        json=point(GULOU, category="SS01"),
        headers=auth_headers("county_officer"),
    )


async def test_an_api_create_in_the_same_county_does_not_wait_for_an_import(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    tmp_path: Path,
    impatient_service: Callable[[], Awaitable[None]],
) -> None:
    path = write_csv(tmp_path / "a.csv", pins_near(GULOU))
    answers: list[httpx.Response] = []

    async def mid_way(conn: AsyncConnection, outcome: ImportOutcome) -> None:
        # Every row is written and the import's transaction is still open.
        assert (await conn.execute(text("SELECT count(*) FROM hazards"))).scalar_one() == ROWS
        await impatient_service()
        answers.append(await create_in_gulou(client))

    outcome = await import_hazards(get_engine(), path, OPTIONS, actor="导入测试", finish=mid_way)

    assert outcome.rows_written == ROWS
    assert answers[0].status_code == 201, answers[0].text
    # The import took 0001–0040 before it wrote; the create, made while it ran, the next one.
    assert answers[0].json()["properties"]["ledger_no"] == "371502-2026-0041"
    got = await all_rows(engine, "SELECT ledger_no FROM hazards WHERE created_by = '导入测试' ORDER BY id")
    assert [r[0] for r in got] == [f"371502-2026-{n:04d}" for n in range(1, ROWS + 1)]
    assert await counters(engine) == [("371502", 2026, ROWS + 1)]
    assert await scalar(engine, "SELECT count(*) FROM hazard_events") == ROWS + 1


async def test_a_failed_import_writes_nothing_and_gives_its_numbers_back(
    client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    first = await create_in_gulou(client)
    assert first.json()["properties"]["ledger_no"] == "371502-2026-0001"
    before = await counters(engine)

    async def fail(conn: AsyncConnection, outcome: ImportOutcome) -> None:
        raise RuntimeError("the worker's disk is full")

    path = write_csv(tmp_path / "a.csv", pins_near(GULOU))
    with pytest.raises(RuntimeError):
        await import_hazards(get_engine(), path, OPTIONS, actor="导入测试", finish=fail)

    assert await counters(engine) == before == [("371502", 2026, 1)]
    assert await scalar(engine, "SELECT count(*) FROM hazards") == 1
    assert await scalar(engine, "SELECT count(*) FROM hazard_events") == 1
    after = await create_in_gulou(client)
    assert after.json()["properties"]["ledger_no"] == "371502-2026-0002"


async def test_a_block_a_later_number_followed_is_left_a_gap(
    client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    """Giving the block back would issue its numbers again after the create that took the next one."""

    async def create_then_fail(conn: AsyncConnection, outcome: ImportOutcome) -> None:
        r = await create_in_gulou(client)
        assert r.json()["properties"]["ledger_no"] == f"371502-2026-{ROWS + 1:04d}"
        raise RuntimeError("the worker's disk is full")

    path = write_csv(tmp_path / "a.csv", pins_near(GULOU))
    with pytest.raises(RuntimeError):
        await import_hazards(get_engine(), path, OPTIONS, actor="导入测试", finish=create_then_fail)

    assert await counters(engine) == [("371502", 2026, ROWS + 1)]
    after = await create_in_gulou(client)
    assert after.json()["properties"]["ledger_no"] == f"371502-2026-{ROWS + 2:04d}"
    assert await scalar(engine, "SELECT count(*) FROM hazards") == 2


@pytest.fixture
async def zone_and_villages(engine: AsyncEngine) -> AsyncIterator[None]:
    """A zone's outline, a village outline and a village point, on the shared test database; undone."""
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE jurisdictions SET geom = ST_Multi(ST_GeomFromText(:wkt, 4326)) WHERE code = :code"),
            {"wkt": square(*IN_ZONE, 0.01), "code": ZONE},
        )
        township = (
            await conn.execute(
                text("SELECT township_code FROM hazard_place(ST_SetSRID(ST_MakePoint(:x, :y), 4326))"),
                {"x": IN_ZONE[0], "y": IN_ZONE[1]},
            )
        ).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO jurisdictions (code, name, level, parent_code, geom, centre) VALUES"
                " (:area, '测试东村', 'village', :township, ST_Multi(ST_GeomFromText(:wkt, 4326)), NULL),"
                " (:point, '测试西村', 'village', :township, NULL, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {
                "area": VILLAGE_AREA,
                "point": VILLAGE_POINT,
                "township": township,
                "wkt": square(IN_ZONE[0] + 0.004, IN_ZONE[1], 0.002),
                "x": IN_ZONE[0] - 0.004,
                "y": IN_ZONE[1],
            },
        )
    yield
    async with engine.begin() as conn:
        await empty_ledger(conn)
        await conn.execute(
            text("DELETE FROM jurisdictions WHERE code IN (:a, :b)"), {"a": VILLAGE_AREA, "b": VILLAGE_POINT}
        )
        await conn.execute(text("UPDATE jurisdictions SET geom = NULL WHERE code = :code"), {"code": ZONE})


async def test_zone_village_and_history_as_the_row_triggers_gave_them(
    engine: AsyncEngine, tmp_path: Path, zone_and_villages: None
) -> None:
    # A 0.04° × 0.04° grid over the zone, its villages and beyond: in and out of the zone, in the
    # village outline, near the village point (within 1500 m) and farther.
    rows = [
        {
            "lon": round(IN_ZONE[0] - 0.02 + 0.004 * (i % 11), 6),
            "lat": round(IN_ZONE[1] - 0.02 + 0.004 * (i // 11), 6),
            "category": "SS01",
            "grade": "一般",
            "description": f"第{i + 1}行",
        }
        for i in range(121)
    ]
    outcome = await import_hazards(
        get_engine(), write_csv(tmp_path / "grid.csv", rows), OPTIONS, actor="导入测试"
    )
    assert outcome.rows_written == 121
    placed = await all_rows(
        engine,
        """SELECT h.zone_code, h.village_code, p.zone_code, p.village_code
             FROM hazards h, hazard_zone_village(h.geom, h.township_code) AS p ORDER BY h.id""",
    )
    assert all((r[0], r[1]) == (r[2], r[3]) for r in placed)
    assert {r[0] for r in placed} == {ZONE, None}
    assert {r[1] for r in placed} == {VILLAGE_AREA, VILLAGE_POINT, None}
    # One event per row, as the row trigger wrote it: the row as JSON without version and times.
    events = await all_rows(
        engine,
        """SELECT e.action, e.actor, e.version, e.note,
                  e.changes::text = (to_jsonb(h) - 'version' - 'updated_at' - 'created_at')::text,
                  e.at = h.created_at
             FROM hazards h JOIN hazard_events e ON e.hazard_id = h.id ORDER BY e.id""",
    )
    assert [tuple(e) for e in events] == [("import", "导入测试", 1, None, True, True)] * 121
    order = await all_rows(engine, "SELECT hazard_id FROM hazard_events ORDER BY id")
    assert [r[0] for r in order] == sorted(r[0] for r in order)

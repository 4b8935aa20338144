"""Possible duplicates on create: an open hazard of the category this close on the same road is a 409.

G9309 (fixture) runs east along 36.46° N from 115.95° (K516+000) to 115.99°, posted 3000 m long.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.accounts.permissions import Principal, Role
from app.coords import Crs
from app.errors import Conflict
from app.intake import service
from app.vocab import HazardKind
from tests.support.hazards import BEIJING_2026, point
from tests.support.roads import geodesic_m

LAT = 36.46
AT = (115.97, LAT)
# Degrees of longitude per metre along the parallel of G9309.
DEG_PER_M = 0.01 / geodesic_m(115.97, LAT, 115.98, LAT)
# Degrees of latitude per metre.
DEG_LAT_PER_M = 0.01 / geodesic_m(115.97, LAT, 115.97, LAT + 0.01)


def east(metres: float, of: tuple[float, float] = AT) -> tuple[float, float]:
    return (of[0] + metres * DEG_PER_M, of[1])


async def post(
    client: httpx.AsyncClient, path: str, feature: dict[str, Any], **params: Any
) -> httpx.Response:
    return await client.post(f"/api/v1/{path}", json=feature, params=params)


async def first(client: httpx.AsyncClient, feature: dict[str, Any], path: str = "hazards") -> dict[str, Any]:
    r = await post(client, path, feature)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def counts(engine: AsyncEngine) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM hazards), (SELECT count(*) FROM hazard_events),"
                    " (SELECT coalesce(sum(last_value), 0) FROM ledger_counters)"
                )
            )
        ).one()
    return (row[0], row[1], row[2])


async def test_within_the_distance_is_a_409_listing_it_and_nothing_is_written(
    client: httpx.AsyncClient, engine: AsyncEngine, api_roads: dict[str, int]
) -> None:
    kept = (await first(client, point(AT)))["properties"]
    before = await counts(engine)
    r = await post(client, "hazards", point(east(20)))
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["duplicate_distance_m"] == 30
    assert problem["duplicates"] == [
        {
            "id": kept["id"],
            "ledger_no": kept["ledger_no"],
            "kind": "point",
            "status": "reported",
            "road_code": "G9309",
            "chainage": kept["chainage"],
            "distance_m": pytest.approx(20, abs=0.01),
            "link": f"/api/v1/hazards/{kept['id']}",
        }
    ]
    assert "on_duplicate=create" in problem["detail"]
    assert "on_duplicate=merge&duplicate_of=" in problem["detail"]
    assert problem["choices"] == {
        "create": "?on_duplicate=create",
        "merge": f"?on_duplicate=merge&duplicate_of={kept['id']}",
    }
    assert await counts(engine) == before


async def test_outside_the_distance_other_category_and_other_road_are_created(
    client: httpx.AsyncClient, engine: AsyncEngine, api_roads: dict[str, int]
) -> None:
    await first(client, point(AT))
    assert (await post(client, "hazards", point(east(31)))).status_code == 201
    assert (await post(client, "hazards", point(east(5), category="SS01"))).status_code == 201
    # A road of its own 20 m north of G9309: a pin on it is 20 m from the hazard, on another road.
    north = LAT + 20 * DEG_LAT_PER_M
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, source)"
                " VALUES ('X9002', '测试县道', 'county', 0, 1000,"
                " ST_SetSRID(ST_MakeLine(ST_MakePoint(115.965, :lat), ST_MakePoint(115.975, :lat)), 4326),"
                " 'api test fixture')"
            ),
            {"lat": north},
        )
    r = await post(client, "hazards", point((AT[0], north)))
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["road_code"] == "X9002"


async def test_a_closed_hazard_is_not_a_duplicate(
    client: httpx.AsyncClient, engine: AsyncEngine, api_roads: dict[str, int]
) -> None:
    done = (await first(client, point(AT)))["properties"]
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE hazards SET status = 'closed' WHERE id = :id"), {"id": done["id"]})
    r = await post(client, "hazards", point(east(3)))
    assert r.status_code == 201, r.text


async def test_on_duplicate_create_records_another_hazard(
    client: httpx.AsyncClient, api_roads: dict[str, int]
) -> None:
    await first(client, point(AT))
    r = await post(client, "hazards", point(east(10)), on_duplicate="create")
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["status"] == "reported"


async def test_merge_records_a_duplicate_linked_both_ways(
    client: httpx.AsyncClient, engine: AsyncEngine, api_roads: dict[str, int]
) -> None:
    kept = (await first(client, point(AT)))["properties"]
    r = await post(client, "hazards", point(east(10)), on_duplicate="merge", duplicate_of=kept["id"])
    assert r.status_code == 201, r.text
    merged = r.json()["properties"]
    assert (merged["status"], merged["duplicate_of"]) == ("duplicate", kept["id"])
    assert merged["ledger_no"] != kept["ledger_no"]  # a ledger row of its own, numbered
    assert r.headers["Location"] == f"/api/v1/hazards/{merged['id']}"
    again = await client.get(f"/api/v1/hazards/{kept['id']}")
    assert again.json()["properties"]["duplicates"] == [merged["id"]]
    history = (await client.get(f"/api/v1/hazards/{merged['id']}/history")).json()["events"]
    assert [e["action"] for e in history] == ["create", "duplicate"]
    assert history[1]["changes"]["status"] == ["reported", "duplicate"]
    assert history[1]["changes"]["duplicate_of"] == [None, kept["id"]]
    # A duplicate is not open: a third report beside them finds only the kept one.
    r = await post(client, "hazards", point(east(5)))
    assert [d["id"] for d in r.json()["duplicates"]] == [kept["id"]]


async def test_uid_replay_answers_as_before(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    await first(client, point(AT))
    feature = point(east(10), uid="6a1f9a52-0a0b-4c1e-9a57-0d5e7f3c2b11")
    created = await post(client, "hazards", feature, on_duplicate="create")
    assert created.status_code == 201
    retried = await post(client, "hazards", feature)  # the retry of a lost answer, without the choice
    assert retried.status_code == 200
    assert retried.json()["id"] == created.json()["id"]


async def test_segment_overlapping_chainage_or_near_the_line(
    client: httpx.AsyncClient, api_roads: dict[str, int]
) -> None:
    def by_chainage(chainage: str, category: str = "XL04") -> dict[str, Any]:
        props = {"category": category, "reported_at": BEIJING_2026, "road": "G9309", "chainage": chainage}
        return {"type": "Feature", "geometry": None, "properties": props}

    seg = (await first(client, by_chainage("K516+600-K517+200"), "segments"))["properties"]
    r = await post(client, "segments", by_chainage("K517+000-K517+500"))
    assert r.status_code == 409, r.text
    assert [(d["id"], d["chainage"], d["distance_m"]) for d in r.json()["duplicates"]] == [
        (seg["id"], "K516+600-K517+200", 0)
    ]
    assert (await post(client, "segments", by_chainage("K518+000-K518+500"))).status_code == 201
    # A point pinned 45 m beside the road (farther than 30 m) whose 桩号 lies inside the stretch.
    here = await client.get("/api/v1/roads/locate", params={"road": "G9309", "chainage": "K518+900"})
    lon = here.json()["geometry"]["coordinates"][0]
    pin = (await first(client, point((lon, LAT + 45 * DEG_LAT_PER_M), category="XL04")))["properties"]
    assert pin["road_code"] == "G9309"
    r = await post(client, "segments", by_chainage("K518+800-K519+000"))
    assert r.status_code == 409, r.text
    found = r.json()["duplicates"]
    assert [(d["id"], d["kind"]) for d in found] == [(pin["id"], "point")]
    assert found[0]["distance_m"] == pytest.approx(45, abs=0.1)


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"on_duplicate": "maybe"}, "on_duplicate", "'create' or 'merge'"),
        ({"on_duplicate": "merge"}, "duplicate_of", "required"),
        ({"duplicate_of": 1}, "duplicate_of", "only with on_duplicate=merge"),
        ({"on_duplicate": "merge", "duplicate_of": 999999}, "duplicate_of", "no hazard"),
    ],
)
async def test_bad_choices_are_refused(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    api_roads: dict[str, int],
    params: dict[str, Any],
    field: str,
    words: str,
) -> None:
    before = await counts(engine)
    r = await post(client, "hazards", point(AT), **params)
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert error["field"] == field and words in error["message"]
    assert await counts(engine) == before


async def test_merge_into_a_closed_hazard_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, api_roads: dict[str, int]
) -> None:
    done = (await first(client, point(AT)))["properties"]
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE hazards SET status = 'closed' WHERE id = :id"), {"id": done["id"]})
    before = await counts(engine)
    r = await post(client, "hazards", point(east(3)), on_duplicate="merge", duplicate_of=done["id"])
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "duplicate_of",
            "message": f"hazard {done['id']} is closed, not open; a report of a closed hazard is a new "
            "hazard (or a reason to reopen it)",
        }
    ]
    assert await counts(engine) == before


async def _until_waiting_for_a_lock(engine: AsyncEngine, pid: int, seconds: float = 10.0) -> None:
    """Until the backend ``pid`` waits for a lock another transaction holds (PostgreSQL says so)."""
    deadline = time.monotonic() + seconds
    async with engine.connect() as conn:
        while True:
            found = await conn.execute(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            )
            if found.scalar_one_or_none() == "Lock":
                return
            assert time.monotonic() < deadline, f"backend {pid} did not wait for a lock within {seconds} s"
            await asyncio.sleep(0.02)


async def test_two_reports_at_the_same_moment_make_one_hazard_and_one_409(
    engine: AsyncEngine, api_roads: dict[str, int]
) -> None:
    """Two requests' transactions: the second check waits for the first report to be committed."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as first_session, sessions() as second_session:
        await service.create(first_session, HazardKind.point, point(AT), Crs.wgs84, _admin("a"))
        second_pid = (await second_session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        second = asyncio.create_task(
            service.create(second_session, HazardKind.point, point(east(5)), Crs.wgs84, _admin("b"))
        )
        await _until_waiting_for_a_lock(engine, second_pid)
        assert not second.done()  # waiting for the first transaction
        await first_session.commit()
        with pytest.raises(Conflict) as refused:
            await second
        await second_session.rollback()
    assert [d["distance_m"] for d in refused.value.extra["duplicates"]] == [pytest.approx(5, abs=0.01)]
    assert (await counts(engine))[0] == 1


def _admin(login: str) -> Principal:
    return Principal("user", 1, login, login, Role.admin, frozenset())
